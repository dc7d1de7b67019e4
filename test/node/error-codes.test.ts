import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorCodesIn } from "./error-codes";
import { doc, root } from "./helpers";

const sites = errorCodesIn(join(root, "src"));
const sourceCodes = [...new Set(sites.map((site) => site.code))].sort();

/** The codes in the second column of the error table (docs/api.md, "Error codes"). */
function documentedCodes(): string[] {
  return doc("docs/api.md", "Error codes")
    .split("\n")
    .filter((line) => line.startsWith("| "))
    .flatMap((line) => /^\|[^|]*\| `([a-z][a-z0-9_]*)` \|/.exec(line)?.[1] ?? []);
}

describe("the error table in docs/api.md", () => {
  it("finds the codes in the source: the extraction sees helpers, API error functions and stream frames", () => {
    // One of each way a code is written: errorBody, invalidRequest, an API's error(), a routing helper, a frame.
    expect(sourceCodes).toEqual(
      expect.arrayContaining([
        "admin_disabled",
        "invalid_adapter",
        "invalid_header",
        "unknown_task",
        "malformed_upstream_stream",
      ]),
    );
  });

  it("lists every error code the Worker can answer", () => {
    const documented = new Set(documentedCodes());
    const missing = sites.filter((site) => !documented.has(site.code));
    expect(missing.map((site) => `${site.code} (${site.file.slice(root.length)}:${site.line})`)).toEqual([]);
  });

  it("lists no code the Worker never answers", () => {
    expect(documentedCodes().filter((code) => !sourceCodes.includes(code))).toEqual([]);
  });
});
