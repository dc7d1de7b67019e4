import type { Context } from "hono";
import { savedFields } from "../metering/record";
import { attemptVerdict } from "../fanout/attempts";
import type { SessionReport } from "../proxy/session";
import type { SavingsLink } from "../savings/link";
import type { AppEnv } from "./types";

/** One log line per request; never holds keys or prompt text. */
function logReport(requestId: string, model: string, report: SessionReport): void {
  console.log(
    JSON.stringify({
      msg: "inflight.request",
      request_id: requestId,
      model,
      outcome: report.outcome,
      rule: report.rejection?.rule ?? null,
      ...(report.usage.inflight.attempts ? { attempts: report.usage.inflight.attempts.length } : {}),
      usage: {
        ...report.usage,
        inflight: {
          ...report.usage.inflight,
          flags: report.usage.inflight.flags?.map((f) => f.rule),
          attempts: report.usage.inflight.attempts?.map(attemptVerdict),
        },
      },
    }),
  );
}

/**
 * Reports a finished completion once, however many ways it ends (the stream's end, the client leaving, a failure):
 * the log line, and the meter row when teams are in use, written with `waitUntil` so that it survives the client
 * disconnecting; and what the request taught the savings model (learned with the row, or queued for the anonymous
 * meter of its model). Later calls do nothing. `source` is the request's session, or for a fanned-out request the
 * report its attempts add up to (their count and verdicts go in the row too).
 */
export function createReporter(
  c: Context<AppEnv>,
  source: { report(): SessionReport },
  request: { model: string; packs: readonly string[]; scope: string; savings: SavingsLink },
) {
  const { model, packs, scope, savings } = request;
  let reported = false;
  return function report(): void {
    if (reported) return;
    reported = true;
    const { requestId } = c.var;
    const final = source.report();
    const attempts = final.usage.inflight.attempts;
    logReport(requestId, model, final);
    const meterFailed = (error: unknown) =>
      console.error(JSON.stringify({ msg: "inflight.meter_failed", request_id: requestId, error: String(error) }));
    const time = new Date().toISOString();
    const observed = { model, scope, ...final.observed };
    const teaches =
      observed.lengths.length +
        observed.exitTails.length +
        (observed.answerLengths?.length ?? 0) +
        (observed.rejected?.length ?? 0) +
        (observed.cutAt?.length ?? 0) >
      0;
    if (teaches) c.executionCtx.waitUntil(savings.learned(observed, time).catch(meterFailed));
    const record = c.var.recordRequest;
    if (!record) return;
    const write = record({
      requestId,
      time,
      model,
      task: c.var.task ?? null,
      adapter: c.var.upstream?.label ?? null,
      packs: [...packs],
      outcome: final.outcome,
      rule: final.rejection?.rule ?? null,
      promptTokens: final.usage.prompt_tokens,
      completionTokens: final.usage.completion_tokens,
      ...savedFields(final.usage.inflight.saved_estimate, final.outcome),
      countedBy: final.usage.inflight.counted_by,
      ...(attempts ? { attempts: attempts.length, attemptVerdicts: attempts.map(attemptVerdict) } : {}),
      ...(teaches ? { observed } : {}),
    }).catch(meterFailed);
    c.executionCtx.waitUntil(write);
  };
}
