import type { Context } from "hono";
import type { Session, SessionReport } from "../proxy/session";
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
      usage: {
        ...report.usage,
        inflight: { ...report.usage.inflight, flags: report.usage.inflight.flags?.map((f) => f.rule) },
      },
    }),
  );
}

/**
 * Reports a finished completion once, however many ways it ends (the stream's end, the client leaving, a failure):
 * the log line, and the meter row when teams are in use, written with `waitUntil` so that it survives the client
 * disconnecting. Later calls do nothing.
 */
export function createReporter(c: Context<AppEnv>, session: Session, model: string, packs: readonly string[]) {
  let reported = false;
  return function report(): void {
    if (reported) return;
    reported = true;
    const { requestId } = c.var;
    const final = session.report();
    logReport(requestId, model, final);
    const record = c.var.recordRequest;
    if (!record) return;
    const write = record({
      requestId,
      time: new Date().toISOString(),
      model,
      task: c.var.task ?? null,
      adapter: c.var.upstream?.label ?? null,
      packs: [...packs],
      outcome: final.outcome,
      rule: final.rejection?.rule ?? null,
      promptTokens: final.usage.prompt_tokens,
      completionTokens: final.usage.completion_tokens,
      savedTokens: final.usage.inflight.saved_completion_tokens,
      savedMethod: final.usage.inflight.saved_method,
      countedBy: final.usage.inflight.counted_by,
    }).catch((error: unknown) =>
      console.error(JSON.stringify({ msg: "inflight.meter_failed", request_id: requestId, error: String(error) })),
    );
    c.executionCtx.waitUntil(write);
  };
}
