import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { root, run } from "./helpers";

const FIXTURE = "test/fixtures/replay-ids.jsonl";
const replay = (args: string[], input?: string) =>
  run("tsx", ["scripts/replay.ts", ...args], input === undefined ? {} : { input });
const records = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, any>);

describe("npm run replay", () => {
  it("prints what was stopped or flagged, never the accepted samples, then the counts per outcome and per rule", async () => {
    const { code, stdout, stderr } = await replay([FIXTURE, "--rules", "math,default"]);
    expect(code).toBe(0);
    expect(stdout).toContain("line 1 (id q1): rejected");
    expect(stdout).toContain("line 3 (id batch_req_1, custom_id task-7) choice 1: rejected");
    expect(stdout).toContain("line 5 (id q4): flagged");
    expect(stdout).toContain("line 6 (id q5): unreadable: no completion text");
    expect(stdout).not.toMatch(/: accepted/);
    expect(stdout).toContain("7 lines, 5 samples: 2 accepted, 2 rejected, 0 exited early, 1 flagged; 2 unreadable");
    expect(stdout).toMatch(/^math\.arithmetic +1 +0 +0$/m);
    expect(stdout).toMatch(/^math\.invented-quantities +0 +0 +1$/m);
    expect(stdout).toMatch(/^math\.repetition-loop +1 +0 +0$/m);
    expect(stdout).toMatch(
      /^tokens [\d,]+; estimated saved [\d,]+ \(\d+\.\d%; p10-p90 [\d,]+-[\d,]+\); really left after the cuts [\d,]+ \(estimate \/ truth \d+\.\d\d\)$/m,
    );
    // stderr is a pipe here, not a terminal: no progress line.
    expect(stderr).toBe("");
  });

  it("writes one JSON result per sample with --jsonl, carrying the input line's id and custom_id", async () => {
    const { code, stdout, stderr } = await replay([FIXTURE, "--rules", "math,default", "--jsonl"]);
    expect(code).toBe(0);
    const lines = records(stdout);
    expect(lines.map((r) => [r.line, r.id, r.custom_id, r.choice, r.status, r.verdict?.rule])).toEqual([
      [1, "q1", undefined, 0, "rejected", "math.arithmetic"],
      [2, 7, undefined, 0, "accepted", undefined],
      [3, "batch_req_1", "task-7", 0, "accepted", undefined],
      [3, "batch_req_1", "task-7", 1, "rejected", "math.repetition-loop"],
      [5, "q4", undefined, 0, "flagged", undefined],
      [6, "q5", undefined, undefined, "unreadable", undefined],
      [7, undefined, undefined, undefined, "unreadable", undefined],
    ]);
    expect(lines[4]!.flags[0]).toMatchObject({ rule: "math.invented-quantities", evidence: "25 * 150 = 3750" });
    expect(lines[0]).toMatchObject({
      tokens: expect.any(Number),
      tokensLeft: expect.any(Number),
      savedEstimate: { tokens: expect.any(Number), p10: expect.any(Number), p90: expect.any(Number) },
    });
    // The summary goes to stderr, so that stdout stays JSON lines.
    expect(stderr).toContain("7 lines, 5 samples");
  });

  it("shows only the statuses named with --only", async () => {
    const rejected = records(
      (await replay([FIXTURE, "--rules", "math,default", "--jsonl", "--only", "rejected"])).stdout,
    );
    expect(rejected.map((r) => [r.line, r.choice])).toEqual([
      [1, 0],
      [3, 1],
    ]);
    const flagged = await replay([FIXTURE, "--rules", "math,default", "--only", "flagged"]);
    expect(flagged.stdout).toContain("line 5 (id q4): flagged");
    expect(flagged.stdout).not.toMatch(/rejected \(|unreadable:/);
  });

  it("writes the summary as one JSON document with --json", async () => {
    const { code, stdout } = await replay([FIXTURE, "--rules", "math,default", "--json"]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      file: FIXTURE,
      rules: ["math", "default"],
      lines: 7,
      samples: 5,
      accepted: 2,
      rejected: 2,
      exited: 0,
      flagged: 1,
      unreadable: 2,
      byRule: {
        "math.arithmetic": { rejected: 1, exited: 0, flagged: 0 },
        "math.invented-quantities": { rejected: 0, exited: 0, flagged: 1 },
        "math.repetition-loop": { rejected: 1, exited: 0, flagged: 0 },
      },
    });
    expect(summary.tokensLeft).toBeGreaterThan(0);
    expect(summary.savedEstimate.tokens).toBeGreaterThan(0);
    expect(summary.savedShare).toBeCloseTo(summary.savedEstimate.tokens / summary.tokens);
    expect(summary.estimateOverTruth).toBeCloseTo(summary.savedEstimate.tokens / summary.tokensLeft);
  });

  it("reads stdin with - or with no file, with the same verdicts", async () => {
    const input = readFileSync(join(root, FIXTURE), "utf8");
    const fromFile = JSON.parse((await replay([FIXTURE, "--json"])).stdout);
    for (const args of [["-", "--json"], ["--json"]]) {
      const fromStdin = JSON.parse((await replay(args, input)).stdout);
      expect({ ...fromStdin, file: FIXTURE }).toEqual(fromFile);
    }
  });

  it("answers a line before the rest of the input has arrived: it streams", async () => {
    const child = spawn(join(root, "node_modules/.bin/tsx"), ["scripts/replay.ts", "--jsonl", "--rules", "math"], {
      cwd: root,
      env: { ...process.env, PATH: `${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}` },
    });
    const [first, second] = readFileSync(join(root, FIXTURE), "utf8").split("\n");
    child.stdin.write(`${first}\n`);
    const [data] = (await once(child.stdout, "data")) as [Buffer];
    expect(JSON.parse(data.toString("utf8"))).toMatchObject({ line: 1, id: "q1", status: "rejected" });
    let rest = "";
    child.stdout.on("data", (more: Buffer) => (rest += more.toString("utf8")));
    child.stdin.end(`${second}\n`);
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
    expect(records(rest)).toEqual([expect.objectContaining({ line: 2, id: 7, status: "accepted" })]);
  });

  it("writes nothing but JSON lines to stdout through npm run --silent, as the README shows", async () => {
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn("npm", ["run", "--silent", "replay", "--", FIXTURE, "--jsonl"], { cwd: root });
      let out = "";
      child.stdout.on("data", (data: Buffer) => (out += data.toString("utf8")));
      child.on("error", reject);
      child.on("close", (exit) => resolve({ code: exit, stdout: out }));
    });
    expect(code).toBe(0);
    expect(records(stdout)).toHaveLength(7);
  });

  it("explains itself with --help, and refuses bad use with status 2", async () => {
    const help = await replay(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: npm run --silent replay -- \[FILE\.jsonl \| -\]/);
    expect(help.stdout).toContain("--only STATUS");
    for (const args of [
      [FIXTURE, "--rules", "nope"],
      ["missing.jsonl"],
      [FIXTURE, "--json", "--jsonl"],
      [FIXTURE, "--only", "maybe"],
      [FIXTURE, FIXTURE],
    ]) {
      const { code, stderr } = await replay(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr.length).toBeGreaterThan(0);
    }
  });
});
