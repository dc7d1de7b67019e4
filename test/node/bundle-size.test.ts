import { describe, expect, it } from "vitest";
import { budgetVerdict, heaviestModules, parseUploadSize, UPLOAD_BUDGET_KIB } from "../../scripts/lib/bundle-size";
import { run } from "./helpers";

describe("the Worker's size budget", () => {
  it("reads the sizes from wrangler's Total Upload line, coloured or not", () => {
    const plain =
      "Attaching additional modules:\nTotal Upload: 287.44 KiB / gzip: 98.22 KiB\nYour Worker has access to";
    expect(parseUploadSize(plain)).toEqual({ kib: 287.44, gzipKib: 98.22 });
    expect(parseUploadSize("Total Upload: \u001b[32m1217.86 KiB / gzip: 239.05 KiB\u001b[39m")).toEqual({
      kib: 1217.86,
      gzipKib: 239.05,
    });
    expect(parseUploadSize("--dry-run: exiting now.")).toBeUndefined();
  });

  it("fails a bundle above the budget and passes one at or below it", () => {
    expect(UPLOAD_BUDGET_KIB).toBe(400);
    expect(budgetVerdict({ kib: 400, gzipKib: 120 }, 400)).toEqual({
      ok: true,
      line: "Worker bundle: 400.00 KiB uploaded (gzip 120.00 KiB), within the 400 KiB budget.",
    });
    expect(budgetVerdict({ kib: 400.01, gzipKib: 120 }, 400)).toEqual({
      ok: false,
      line: "Worker bundle: 400.01 KiB uploaded (gzip 120.00 KiB), over the 400 KiB budget by 0.01 KiB.",
    });
  });

  it("weighs npm packages as one module each and source files on their own, heaviest first", () => {
    const meta = {
      outputs: {
        "../../tmp/out/index.js.map": { bytes: 9_000, inputs: {} },
        "../../tmp/out/index.js": {
          bytes: 1_000,
          inputs: {
            "node_modules/zod/v4/core/schemas.js": { bytesInOutput: 300 },
            "node_modules/zod/v4/mini/schemas.js": { bytesInOutput: 100 },
            "node_modules/@scope/pkg/dist/a.js": { bytesInOutput: 250 },
            "src/formats/chat.ts": { bytesInOutput: 250 },
            "../node_modules/hono/dist/hono.js": { bytesInOutput: 90 },
          },
        },
      },
    };
    expect(heaviestModules(meta, 3)).toEqual([
      { module: "zod", bytes: 400 },
      { module: "@scope/pkg", bytes: 250 },
      { module: "src/formats/chat.ts", bytes: 250 },
    ]);
  });

  it("exits 1 and lists the heaviest modules when the real bundle is over a budget", async () => {
    const { code, stdout } = await run("tsx", ["scripts/bundle-size.ts", "--budget-kib", "100"]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/^Worker bundle: [\d.]+ KiB uploaded \(gzip [\d.]+ KiB\), over the 100 KiB budget by /m);
    expect(stdout).toMatch(/^ +[\d.]+ {2}zod$/m);
  });
});
