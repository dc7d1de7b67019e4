import { copyFileSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { ConfigSchema, readConfig } from "../../src/config";
import { readme, root, run, secretNames } from "./helpers";

const config = unstable_readConfig({ config: join(root, "wrangler.toml") });
/** Variables the Worker reads outside `readConfig`. */
const OTHER_VARS = ["REQUIRE_TEAM_KEYS"];

describe("wrangler.toml", () => {
  it("declares every variable the Worker reads in [vars], with a default the Worker accepts", () => {
    const secrets = new Set(secretNames());
    const read = [...Object.keys(ConfigSchema.shape).filter((name) => !secrets.has(name)), ...OTHER_VARS];
    expect(Object.keys(config.vars).sort()).toEqual(read.sort());
    expect(() => readConfig(config.vars)).not.toThrow();
  });

  it("keeps every secret out of [vars], and declares each secret for the generated Env", () => {
    expect(secretNames()).toEqual(expect.arrayContaining(["UPSTREAM_API_KEY", "ANTHROPIC_API_KEY", "ADMIN_TOKEN"]));
    for (const name of secretNames()) expect(config.vars).not.toHaveProperty(name);
    for (const name of Object.keys(config.vars)) expect(name).not.toMatch(/_KEY$|_TOKEN$|SECRET/);
  });

  it("leaves the KV namespace to wrangler to provision: no id to edit before the first deploy", () => {
    expect(config.kv_namespaces).toEqual([{ binding: "INFLIGHT_KV" }]);
  });

  it("declares the metering and throttling Durable Objects with their SQLite migrations", () => {
    expect(config.durable_objects.bindings).toEqual([
      { name: "TEAM_METER", class_name: "TeamMeter" },
      { name: "AUTH_THROTTLE", class_name: "AuthThrottle" },
    ]);
    expect(config.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["TeamMeter"] },
      { tag: "v2", new_sqlite_classes: ["AuthThrottle"] },
    ]);
  });
});

describe("the generated Env (worker-configuration.d.ts)", () => {
  // A copy of the project's configuration beside a .dev.vars with a secret and a name the types do not know: the
  // check must not depend on what a developer keeps in .dev.vars.
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "inflight-types-"));
    for (const entry of ["src", "rules", "scripts", "node_modules", "package.json", "tsconfig.json"])
      symlinkSync(join(root, entry), join(dir, entry));
    for (const file of ["wrangler.toml", "worker-configuration.d.ts", ".dev.vars.example"])
      copyFileSync(join(root, file), join(dir, file));
    writeFileSync(join(dir, ".dev.vars"), "UPSTREAM_API_KEY=sk-local\nONLY_ON_THIS_MACHINE=1\n");
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is generated from wrangler.toml and .dev.vars.example, with the runtime types", () => {
    const header = readFileSync(join(root, "worker-configuration.d.ts"), "utf8").split("\n").slice(0, 3).join("\n");
    expect(header).toContain("`wrangler types --env-file=.dev.vars.example --strict-vars=false`");
    expect(header).toMatch(/Runtime types generated with workerd@/);
  });

  it("is up to date with a .dev.vars in place (`npm run types:check`)", async () => {
    const { code, stdout, stderr } = await run("wrangler", ["types", "--check"], { cwd: dir });
    expect({ code, out: stdout + stderr }).toMatchObject({ code: 0, out: expect.stringContaining("up to date") });
  });

  it("is reported out of date when a secret is added and the types are not regenerated", async () => {
    const example = join(dir, ".dev.vars.example");
    const original = readFileSync(example, "utf8");
    writeFileSync(example, `${original}ADAPTER_KEY_NEW=\n`);
    try {
      const { code, stdout, stderr } = await run("wrangler", ["types", "--check"], { cwd: dir });
      expect(code).not.toBe(0);
      expect(stdout + stderr).toContain("out of date");
    } finally {
      writeFileSync(example, original);
    }
  });
});

describe("the README", () => {
  it("documents every variable and secret in Configuration", () => {
    const section = readme("Configuration");
    for (const name of [...Object.keys(config.vars), ...secretNames(), "ADAPTER_KEY_"])
      expect(section, name).toContain(`\`${name}`);
  });

  it("sets every secret in Deploying, so that every API answers once deployed", () => {
    const section = readme("Deploying");
    for (const name of secretNames()) expect(section, name).toContain(`wrangler secret put ${name}`);
    expect(section).toContain("wrangler secret put ADAPTER_KEY_");
    expect(section).toContain("npm run deploy");
  });
});
