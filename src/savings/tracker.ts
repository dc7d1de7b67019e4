import type { CompiledPack } from "../engine/compile";
import { createInspection, type Inspection, type StreamKey, type Verdict } from "../engine/inspection";
import type { RequestContext } from "../engine/types";
import { combineEstimates, estimateChoice } from "./estimate";
import { cutKind } from "./kinds";
import { EMPTY_HISTORY, type HistorySnapshot, type SavedEstimate, type SavingsObservation } from "./types";

/** What the client and the meter are told about a stream let run past an early exit. */
export interface ExitObserved {
  /** The exit rule that would have ended the output. */
  rule: string;
  choice: number;
  /** Where it would have: the choice's tokens at that point. */
  offset_tokens: number;
  /** Tokens the model went on to generate after it: what the exit would have saved. */
  tail_tokens: number;
}

interface Options {
  packs: readonly CompiledPack[];
  ctx: RequestContext;
  choices: number;
  history?: HistorySnapshot;
  exitSample?: boolean;
}

const withoutExits = (pack: CompiledPack): CompiledPack => ({
  ...pack,
  rules: pack.rules.filter((rule) => rule.action !== "exit"),
});
const onlyExits = (pack: CompiledPack): CompiledPack => ({
  ...pack,
  rules: pack.rules.filter((rule) => rule.action === "exit"),
});

/**
 * A session's part of the savings model: the estimate, made once when a rule cuts the stream (over the history
 * snapshot it has by then) and reported unchanged everywhere after; what the request teaches the model when it
 * ends; and, for a request sampled to measure exit tails, the exit rules taken out of the inspection and run in
 * a probe of their own, so that every other rule still guards the whole output while the exit point is noted.
 * Requests that are not sampled run no probe: nothing is added to the per-piece path.
 */
export function createSavingsTracker(options: Options) {
  const sampling = options.exitSample === true && options.packs.some((p) => p.rules.some((r) => r.action === "exit"));
  const packs = sampling ? options.packs.map(withoutExits) : options.packs;
  const probe = sampling ? createInspection(options.packs.map(onlyExits), options.ctx) : undefined;
  const exitAt = new Map<number, { rule: string; tokens: number }>();
  let history = options.history ?? EMPTY_HISTORY;
  let estimate: SavedEstimate | null = null;

  return {
    /** The packs the session's inspection runs (without exit rules when sampling). */
    packs,
    useHistory(snapshot: HistorySnapshot): void {
      history = snapshot;
    },
    /** Sampling only: feeds the exit probe the same text as the inspection and notes where an exit would be. */
    probe(key: StreamKey, text: string): void {
      if (!probe || exitAt.has(key.choice)) return;
      const verdict = probe.push(key, text);
      if (verdict?.action === "exit")
        exitAt.set(key.choice, { rule: verdict.rejection.rule, tokens: probe.choiceTokens(key.choice) });
    },
    /** Rules have cut the stream: estimates what each cut choice would still have generated. */
    cut(verdicts: ReadonlyMap<number, Verdict>, inspection: Inspection, generated: number): void {
      const parts = [...verdicts].map(([choice, verdict]) =>
        estimateChoice(
          {
            kind: cutKind(verdict),
            generated: inspection.choiceTokens(choice),
            answerStart: inspection.answerStart(choice),
          },
          history,
          options.ctx.maxTokens,
        ),
      );
      estimate = combineEstimates(parts, { maxTokens: options.ctx.maxTokens, choices: options.choices, generated });
    },
    /** The estimate made at the cut; null when no rule cut the stream. */
    estimate(): SavedEstimate | null {
      return estimate;
    },
    /** For a sampled request that ran to its end: the first exit point it passed and what followed it. */
    exitObserved(inspection: Inspection): ExitObserved | undefined {
      for (const [choice, at] of exitAt)
        return {
          rule: at.rule,
          choice,
          offset_tokens: at.tokens,
          tail_tokens: Math.max(0, inspection.choiceTokens(choice) - at.tokens),
        };
      return undefined;
    },
    /**
     * What the request teaches the model: the length of every choice that ended normally (all of them when the
     * request was accepted), the tails measured past exit points, and for every choice that ended whether a rule
     * rejected it (and where), and the final-answer length of every choice that ended normally with one. Nothing
     * from a request that broke off.
     */
    observed(
      outcome: string,
      ended: ReadonlySet<number>,
      verdicts: ReadonlyMap<number, Verdict>,
      inspection: Inspection,
    ): Pick<SavingsObservation, "lengths" | "exitTails" | "answerLengths" | "rejected" | "cutAt"> {
      if (outcome !== "accepted" && outcome !== "rejected" && outcome !== "early_exit")
        return { lengths: [], exitTails: [], answerLengths: [], rejected: [], cutAt: [] };
      const all = [...ended].sort((a, b) => a - b);
      const finished = all.filter((choice) => !verdicts.has(choice));
      const rejectedBy = (choice: number) => verdicts.get(choice)?.action === "reject";
      return {
        lengths: finished.map((choice) => inspection.choiceTokens(choice)),
        answerLengths: finished.flatMap((choice) => {
          const start = inspection.answerStart(choice);
          return start === undefined ? [] : [Math.max(0, inspection.choiceTokens(choice) - start)];
        }),
        exitTails: [...exitAt]
          .filter(([choice]) => finished.includes(choice))
          .map(([choice, at]) => Math.max(0, inspection.choiceTokens(choice) - at.tokens)),
        rejected: all.map((choice) => (rejectedBy(choice) ? 1 : 0)),
        cutAt: all.filter(rejectedBy).map((choice) => inspection.choiceTokens(choice)),
      };
    },
  };
}
