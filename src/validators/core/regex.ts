import * as z from "../../zod";
import type { ValidatorKind } from "../../engine/types";
import { excerpt } from "./excerpt";

/** Lines longer than this are checked in windows of this size, so state stays bounded on single-line output. */
const MAX_LINE = 4096;
const OVERLAP = 256;

const params = z.strictObject({
  pattern: z.string().check(z.minLength(1)),
  /** Regex flags other than g/y (i, m, s, u). */
  flags: z._default(z.string().check(z.regex(/^[imsu]*$/, "only the flags i, m, s and u are allowed")), ""),
  /** `must_not_match`: reject a line that matches. `must_match`: reject at the end when no line matched. */
  mode: z._default(z.enum(["must_not_match", "must_match"]), "must_not_match"),
});

/**
 * Regular expression over each line of the output. Lines are tested as they complete (and the last one at the
 * end), so a verdict never depends on how the text was split, and a pattern never matches across lines.
 */
export const regexValidator: ValidatorKind<typeof params> = {
  name: "regex",
  summary: "A line must not (or some line must) match a regular expression.",
  params,
  compile({ pattern, flags, mode }) {
    // Compiled once per pack; checked here so a bad pattern fails at load time.
    const regex = new RegExp(pattern, flags);
    return () => {
      let line = "";
      let lineStart = 0;
      let matched = false;
      const test = (at: number) => {
        if (mode === "must_match") {
          matched ||= regex.test(line);
          return undefined;
        }
        const m = regex.exec(line);
        if (!m) return undefined;
        return {
          at,
          evidence: excerpt(line, m.index, m[0].length),
          detail: `matched /${pattern}/: "${m[0].slice(0, 80)}"`,
        };
      };
      return {
        push(text) {
          let from = 0;
          for (;;) {
            const nl = text.indexOf("\n", from);
            const piece = text.slice(from, nl < 0 ? text.length : nl);
            line += piece;
            if (nl < 0) break;
            // The newline is what completed the line: the finding is certain once it has arrived.
            const finding = test(lineStart + line.length + 1);
            if (finding) return finding;
            lineStart += line.length + 1;
            line = "";
            from = nl + 1;
          }
          if (line.length > MAX_LINE) {
            const finding = test(lineStart + line.length);
            if (finding) return finding;
            lineStart += line.length - OVERLAP;
            line = line.slice(line.length - OVERLAP);
          }
          return undefined;
        },
        end() {
          const finding = line.length > 0 ? test(lineStart + line.length) : undefined;
          if (finding) return finding;
          if (mode === "must_match" && !matched) {
            return { at: lineStart + line.length, evidence: line.slice(-80), detail: `no line matched /${pattern}/` };
          }
          return undefined;
        },
        stateSize: () => line.length,
      };
    };
  },
};
