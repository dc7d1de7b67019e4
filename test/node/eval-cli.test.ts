import { describe, expect, it } from "vitest";
import { run } from "./helpers";

// Small corpora in the shared data's layout: `pass` meets every target (one HaluEval boilerplate answer labelled
// correct is a reviewed label mismatch, within its count); `miss` misses both targets, and holds one more false
// rejection on BBM multistep arithmetic than was reviewed there.
const eval_ = (data: string, args: string[] = []) =>
  run("tsx", ["scripts/eval.ts", ...args], { env: { INFLIGHT_DATA_DIR: `test/fixtures/eval/${data}` } });

describe("npm run eval", () => {
  it("reports without failing by default, even when a target is missed", async () => {
    const { code, stdout } = await eval_("miss");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^# inflight eval: chat, default, math over 34 labelled samples$/m);
    expect(stdout).toContain("- false rejections <= 1% of correct samples: not met in GSM8K reference / math;");
  });

  it("writes the table, the targets and the notes as one JSON document with --json", async () => {
    const { code, stdout } = await eval_("pass", ["--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ packs: ["chat", "default", "math"], samples: 22, met: true });
    // Three packs over the three fixture corpora and the repository's reasoning traces (BBM has one task, no total).
    expect(report.rows).toHaveLength(12);
    expect(report.rows.find((row: any) => row.corpus === "BBM multistep arithmetic" && row.pack === "math")).toEqual(
      expect.objectContaining({
        total: false,
        samples: 2,
        wrong: 1,
        wrongRejected: 1,
        correctRejected: 0,
        falseRejectionRate: 0,
        labelledRejections: 1,
        atOrAfterLabel: 1,
        atOrAfterLabelShare: 1,
        tokensSavedShare: expect.any(Number),
      }),
    );
    const halu = report.rows.find((row: any) => row.corpus === "HaluEval chat" && row.pack === "chat");
    expect(halu).toMatchObject({ correctRejected: 1, falseRejectionsByRule: { "chat.boilerplate": 1 } });
    const byId = (id: string) => report.targets.find((target: any) => target.id === id);
    const [falseRejections, atOrAfter] = [byId("false_rejections"), byId("rejections_at_or_after_label")];
    expect(falseRejections).toMatchObject({ id: "false_rejections", threshold: 0.01, met: true });
    expect(falseRejections.rows).toContainEqual(
      expect.objectContaining({ corpus: "HaluEval chat", pack: "chat", met: false, reviewed: expect.any(String) }),
    );
    expect(atOrAfter).toMatchObject({ id: "rejections_at_or_after_label", threshold: 0.95, met: true });
    expect(report.skipped).toContainEqual(expect.stringContaining("Game of 24 GPT-4"));
  });

  it("passes --check when every target is met or reviewed", async () => {
    const { code, stdout, stderr } = await eval_("pass", ["--check"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain("met in every row but the reviewed label mismatches; reviewed: HaluEval chat / chat");
  });

  it("fails --check with status 1 and names each missed target, a reviewed row past its count included", async () => {
    const text = await eval_("miss", ["--check"]);
    expect(text.code).toBe(1);
    expect(text.stderr).toContain("GSM8K reference / math: false rejections <= 1% of correct samples");
    expect(text.stderr).toContain("BBM multistep arithmetic / math: false rejections <= 1% of correct samples");
    expect(text.stderr).toContain("BBM multistep arithmetic / math: BIG-Bench-Mistake rejections at or after");
    const json = await eval_("miss", ["--check", "--json"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      met: false,
      targets: [{ met: false }, { id: "math_reference_rejections" }, { met: false }],
    });
  });

  it("fails --check with status 2 when there is no data to check, and stays a report without it", async () => {
    expect((await eval_("nowhere", ["--check"])).code).toBe(2);
    expect((await eval_("nowhere")).code).toBe(0);
  });

  it("explains its flags with --help and refuses an unknown one", async () => {
    const help = await eval_("pass", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--check");
    expect((await eval_("pass", ["--strict"])).code).toBe(2);
  });
});
