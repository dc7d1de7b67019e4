import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { root } from "./helpers";
import { anchors, checkLinks, documentationFiles, slug } from "./markdown-links";

describe("the link check", () => {
  const dir = mkdtempSync(join(tmpdir(), "inflight-links-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("gives headings GitHub's anchors: code, punctuation and emphasis dropped, repeats numbered", () => {
    expect(slug("Authentication of `/v1/*`")).toBe("authentication-of-v1");
    expect(slug("OpenAI Responses — `POST /v1/responses`")).toBe("openai-responses--post-v1responses");
    expect(slug("Fan-out and k valid samples")).toBe("fan-out-and-k-valid-samples");
    expect(slug("**Bundle** size: 400 KiB")).toBe("bundle-size-400-kib");
    expect([...anchors("# A\n## Errors\n```sh\n# not a heading\n```\n### Errors\n")]).toEqual([
      "a",
      "errors",
      "errors-1",
    ]);
  });

  it("reports a missing file, a missing anchor and a missing local anchor, and ignores code and URLs", () => {
    mkdirSync(join(dir, "docs"), { recursive: true });
    writeFileSync(join(dir, "docs/a.md"), "# A\n\n## Known heading\n");
    const readme = join(dir, "README.md");
    writeFileSync(
      readme,
      [
        "## Here",
        "[ok](docs/a.md) [ok](docs/a.md#known-heading) [ok](#here) [web](https://example.com/x#y)",
        "[gone](docs/b.md) [bad](docs/a.md#unknown-heading) [local](#nowhere)",
        "`[code](docs/c.md)`",
        "```md",
        "[fenced](docs/d.md)",
        "```",
      ].join("\n"),
    );
    const problems = checkLinks([readme], dir).filter((link) => link.problem !== null);
    expect(problems.map(({ line, target, problem }) => ({ line, target, problem }))).toEqual([
      { line: 3, target: "docs/b.md", problem: "no such file: docs/b.md" },
      { line: 3, target: "docs/a.md#unknown-heading", problem: "no heading #unknown-heading in docs/a.md" },
      { line: 3, target: "#nowhere", problem: "no heading #nowhere in README.md" },
    ]);
  });
});

describe("README.md, docs/*.md and bench/RESULTS.md", () => {
  const links = checkLinks(documentationFiles(root), root);

  it("have their relative links found (the README's reference table among them)", () => {
    expect(links.filter((link) => link.file === "README.md").map((link) => link.target)).toEqual(
      expect.arrayContaining(["docs/api.md#error-codes", "docs/teams.md", "docs/storage.md", "#troubleshooting"]),
    );
  });

  it("link only to files and #anchors that exist", () => {
    const broken = links.filter((link) => link.problem !== null);
    expect(broken.map((link) => `${link.file}:${link.line} ${link.target}: ${link.problem}`)).toEqual([]);
  });
});
