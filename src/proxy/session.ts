import type { EventSourceMessage } from "eventsource-parser";
import type { CompiledPack } from "../engine/compile";
import { createInspection, type Rejection, type StreamKey, type Verdict } from "../engine/inspection";
import type { RequestContext } from "../engine/types";
import type { FailureCode, Frame, InflightUsage, Outcome, Reading, Usage, WireFormat } from "../formats/types";
import { createSavingsTracker } from "../savings/tracker";
import { ALREADY_GENERATED, type HistorySnapshot, type SavingsObservation } from "../savings/types";
import type { AbortReason } from "./abort";
import { formatEvent, type SseItem } from "./sse-reader";
import { checkUpstreamUsage } from "./usage-check";

export type { Frame, InflightUsage, Outcome } from "../formats/types";

export interface SessionOptions {
  requestId: string;
  format: WireFormat;
  packs: readonly CompiledPack[];
  ctx: RequestContext;
  /** `error`: a failing rule ends the stream with an error event; `finish`: with a content-filter finish. */
  mode: "error" | "finish";
  /** Hold each stage's text back until its checkpoint passes. */
  holdback: boolean;
  /** The client asked for usage in the stream (`stream_options.include_usage`). */
  clientWantsUsage: boolean;
  /** Outputs the upstream generates (`n`). */
  choices: number;
  model: string;
  promptTokensEstimate: number;
  /** What the savings model knows for this request's key (or later, with `useHistory`); the prior without it. */
  history?: HistorySnapshot;
  /** Let an early exit pass to measure what follows the answer (one of `EXIT_SAMPLE_SHARE` of requests). */
  exitSample?: boolean;
  /** Aborts the upstream request. */
  abort(reason: AbortReason): void;
}

export interface SessionReport {
  outcome: Outcome;
  rejection?: Rejection;
  usage: InflightUsage;
  /** What the request teaches the savings model (accepted lengths, measured exit tails). */
  observed: Pick<SavingsObservation, "lengths" | "exitTails" | "answerLengths" | "rejected" | "cutAt">;
}

interface Held {
  frame: Frame;
  needs: { key: StreamKey; end: number }[];
}

const streamId = (key: StreamKey) => `${key.choice}:${key.channel}:${key.toolCall ?? 0}`;

/**
 * The in-flight state of one proxied completion, whatever its wire format: reads upstream SSE items, runs the
 * rule packs on every text delta, and decides what the client receives. No I/O: the caller moves the bytes.
 */
export function createSession(options: SessionOptions) {
  const { format } = options;
  const savings = createSavingsTracker(options);
  const inspection = createInspection(savings.packs, options.ctx);
  /** Outputs that are over: finished upstream or decided by a rule. */
  const ended = new Set<number>();
  const verdicts = new Map<number, Verdict>();
  const seen = new Map<string, number>();
  const held: Held[] = [];
  let upstreamUsage: Usage | undefined;
  let usageIsFinal = false;
  let done = false;
  let outcome: Outcome = "accepted";
  let stopped: Verdict | undefined;
  /** Events that moved the response on (text, a tool call starting, an output finishing): the idle clock's input. */
  let progress = 0;
  /** Outputs the upstream itself finished, and whether it ended them all at once (Anthropic's stop reason). */
  const upstreamFinished = new Set<number>();
  let stoppedAll = false;
  /** The upstream answered with a whole JSON body: everything was generated (and billed) before inflight saw it. */
  let whole = false;
  /** The upstream sent a stream event or a whole answer: from then on its prompt was processed, and is booked. */
  let answered = false;

  /** Completion tokens generated so far: inflight's count, or a running upstream count that passes the check. */
  const generatedSoFar = () => {
    const running =
      upstreamUsage !== undefined && checkUpstreamUsage(upstreamUsage, 0) === undefined ? upstreamUsage : undefined;
    return Math.max(inspection.tokens(), running?.completion_tokens ?? 0);
  };

  const usage = (): InflightUsage => {
    const counted = inspection.tokens();
    // A running count (before the final one) may lag the text, so only a final count is held against inflight's.
    const refused =
      upstreamUsage !== undefined &&
      checkUpstreamUsage(upstreamUsage, usageIsFinal || whole ? counted : 0) !== undefined;
    const reported = refused ? undefined : upstreamUsage;
    const trusted = reported !== undefined && (whole || (usageIsFinal && outcome === "accepted"));
    const completion = trusted ? reported.completion_tokens : Math.max(counted, reported?.completion_tokens ?? 0);
    // An upstream that failed before it answered (unreachable, an HTTP error, no headers in time) bills nothing.
    const prompt =
      reported?.prompt_tokens ?? (answered || outcome !== "upstream_error" ? options.promptTokensEstimate : 0);
    const exitObserved = outcome === "accepted" ? savings.exitObserved(inspection) : undefined;
    return {
      ...(trusted ? reported : {}),
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      inflight: {
        request_id: options.requestId,
        outcome,
        counted_by: trusted ? "upstream" : refused ? "inflight_upstream_invalid" : "inflight",
        // A whole answer was generated in full before a rule could stop it: nothing was saved.
        saved_estimate: !whole ? savings.estimate() : verdicts.size > 0 ? ALREADY_GENERATED : null,
        packs: options.packs.map((pack) => pack.name),
        ...(inspection.flags.length > 0 ? { flags: [...inspection.flags] } : {}),
        ...(exitObserved ? { exit_observed: exitObserved } : {}),
      },
    };
  };

  /** Upstream frames on their way to the client; the format learns what the client has. */
  const send = (frames: Frame[]): Frame[] => {
    format.sent?.(frames);
    return frames;
  };
  /** Held frames whose text has passed every checkpoint, in order. */
  const release = (): Frame[] => {
    const out: Frame[] = [];
    while (held.length > 0 && held[0]!.needs.every(({ key, end }) => inspection.cleared(key) >= end))
      out.push(held.shift()!.frame);
    return send(out);
  };
  const releaseAll = (): Frame[] => send(held.splice(0).map((item) => item.frame));
  const emit = (frame: Frame, needs: Held["needs"]): Frame[] => {
    if (!options.holdback) return send([frame]);
    held.push({ frame, needs });
    return release();
  };

  const finishRequest = (reason: AbortReason) => {
    done = true;
    options.abort(reason);
  };

  /** A rule decided an output. Returns the frames that end it, and the response when nothing is left. */
  const decide = (verdict: Verdict): Frame[] => {
    verdicts.set(verdict.rejection.choice, verdict);
    ended.add(verdict.rejection.choice);
    if (ended.size < options.choices) return format.endOutput(verdict).flatMap((frame) => emit(frame, []));
    stopped = verdict;
    const values = [...verdicts.values()];
    outcome = values.some((v) => v.action === "reject") ? "rejected" : "early_exit";
    savings.cut(verdicts, inspection, generatedSoFar());
    finishRequest({ kind: "rule", action: verdict.action, rule: verdict.rejection.rule });
    const allRejected = values.length === options.choices && values.every((v) => v.action === "reject");
    if (verdict.action === "reject" && options.mode === "error" && allRejected) {
      held.length = 0;
      return [format.rejection(verdict, usage())];
    }
    // Early exit accepts what was held; a rejection in finish mode drops it.
    const before = verdict.action === "exit" ? releaseAll() : ((held.length = 0), []);
    return [...before, ...format.end(verdict, usage(), options.clientWantsUsage)];
  };

  /** Runs end-of-output checks on every output still open. */
  const endOutputs = (which: Iterable<number>): Frame[] => {
    for (const choice of which) {
      if (ended.has(choice)) continue;
      ended.add(choice);
      const verdict = inspection.end(choice);
      // An exit at the very end changes nothing: the output is complete anyway.
      if (verdict?.action === "reject") return decide(verdict);
    }
    return [];
  };
  const allOutputs = () => Array.from({ length: options.choices }, (_, i) => i);

  const handleData = (event: EventSourceMessage, reading: Extract<Reading, { kind: "data" }>): Frame[] => {
    const { texts, finished, payload } = reading;
    if (reading.hold) return [];
    const needs: Held["needs"] = [];
    for (const text of texts) {
      if (ended.has(text.choice)) continue;
      const key: StreamKey = {
        choice: text.choice,
        channel: text.channel,
        ...(text.toolCall !== undefined ? { toolCall: text.toolCall } : {}),
        ...(text.toolName ? { toolName: text.toolName } : {}),
      };
      const start = seen.get(streamId(key)) ?? 0;
      seen.set(streamId(key), start + text.text.length);
      const verdict = inspection.push(key, text.text);
      savings.probe(key, text.text);
      if (verdict?.action === "exit") {
        const cut = format.truncate(event, text, verdict.rejection.offset.chars - start);
        return [...emit(cut, needs), ...decide(verdict)];
      }
      if (verdict) return decide(verdict);
      needs.push({ key, end: start + text.text.length });
    }
    const decided = endOutputs(finished);
    if (done) return decided;
    const frames = [...decided];
    const forwarded =
      verdicts.size > 0 ? format.withoutEnded(event, new Set(verdicts.keys())) : { sse: formatEvent(event), payload };
    if (forwarded) frames.push(...emit(forwarded, needs));
    if (ended.size >= options.choices && verdicts.size > 0) {
      // n > 1: the last open output finished normally after others were decided by rules.
      outcome = [...verdicts.values()].some((v) => v.action === "reject") ? "rejected" : "early_exit";
      savings.cut(verdicts, inspection, generatedSoFar());
      finishRequest({ kind: "choices_done" });
      frames.push(...releaseAll(), ...format.endNormally(undefined, usage(), options.clientWantsUsage));
    }
    return frames;
  };

  /** Ends the request with an error frame: the upstream failed, or its stream ended before the response did. */
  const fail = (message: string, code: FailureCode): Frame[] => {
    // Held text never reaches the client: it did not pass its checkpoint, and the response is an error now.
    held.length = 0;
    return [format.failure(message, usage(), code)];
  };

  return {
    get done() {
      return done;
    },
    /** Counts events that moved the response on; the pump re-arms its no-progress timer when it changes. */
    get progress() {
      return progress;
    },
    /** Handles one upstream SSE item; returns what to send the client now. */
    handle(item: SseItem): Frame[] {
      if (done) return [];
      answered = true;
      if (item.type === "comment") return emit({ sse: `: ${item.text}\n\n` }, []);
      if (item.type === "overflow") return this.upstreamFailed("an event exceeded 4 MiB");
      const reading = format.read(item.event);
      switch (reading.kind) {
        case "malformed":
          return this.upstreamFailed(reading.detail);
        case "error":
          outcome = "upstream_error";
          finishRequest({ kind: "upstream_error" });
          // Forwarded as the upstream framed it: it is already in the API's own terms.
          return [
            ...releaseAll(),
            { sse: formatEvent(item.event), payload: reading.body, error: { status: 502, body: reading.body } },
          ];
        case "done": {
          // A whole answer's usage was booked up front; the events made from it carry running counts.
          if (reading.usage && !whole) {
            upstreamUsage = reading.usage;
            usageIsFinal = true;
          }
          const frames = endOutputs(allOutputs());
          if (done) return frames;
          done = true;
          return [...frames, ...releaseAll(), ...format.endNormally(item.event, usage(), options.clientWantsUsage)];
        }
        case "data":
          if (reading.usage && !whole) {
            upstreamUsage = reading.usage.value;
            usageIsFinal = reading.usage.final;
          }
          if (reading.texts.length > 0 || reading.finished.length > 0 || reading.progress) progress += 1;
          for (const choice of reading.finished) upstreamFinished.add(choice);
          if (reading.stopped) stoppedAll = true;
          return handleData(item.event, reading);
      }
    },
    /**
     * The upstream body ended cleanly. Without its end event the response is complete only if the upstream
     * finished every output (a `finish_reason` each, or Anthropic's stop reason); otherwise it is `incomplete`,
     * and its end-of-output checks do not run (the output did not end: a "missing answer" would blame the model).
     */
    upstreamEnded(): Frame[] {
      if (done) return [];
      const finished = stoppedAll || allOutputs().every((c) => upstreamFinished.has(c) || verdicts.has(c));
      if (!finished) {
        done = true;
        outcome = "incomplete";
        return fail(
          "The upstream stream ended before the response was complete (no end event, and not every output finished).",
          "incomplete_upstream_stream",
        );
      }
      const frames = endOutputs(allOutputs());
      if (done) return frames;
      done = true;
      return [...frames, ...releaseAll()];
    },
    /**
     * The upstream failed (bad data, network error, a timeout, an HTTP error): end with a clear error event.
     * `code` says how (`upstream_timeout` for a wait that ran out).
     */
    upstreamFailed(
      detail: string,
      reason: AbortReason = { kind: "malformed_upstream", detail },
      code: FailureCode = "malformed_upstream_stream",
    ): Frame[] {
      if (done) return [];
      outcome = "upstream_error";
      finishRequest(reason);
      return fail(
        code === "upstream_timeout" ? `The upstream timed out: ${detail}` : `The upstream stream broke off: ${detail}`,
        code,
      );
    },
    /**
     * The upstream answered with a whole JSON body rather than a stream: its events follow, and its usage (if it
     * sent one) is the final count whatever the outcome, since the provider generated everything already.
     */
    wholeBody(reported?: Usage): void {
      whole = true;
      answered = true;
      if (reported) {
        upstreamUsage = reported;
        usageIsFinal = true;
      }
    },
    /** The client went away: nothing more is sent; the caller aborts the upstream. */
    clientGone(): void {
      if (done) return;
      done = true;
      outcome = "client_abort";
    },
    /** The savings model's snapshot, when it arrives after the session started; used for cuts from now on. */
    useHistory(history: HistorySnapshot): void {
      savings.useHistory(history);
    },
    report(): SessionReport {
      return {
        outcome,
        ...(stopped ? { rejection: stopped.rejection } : {}),
        usage: usage(),
        observed: savings.observed(outcome, ended, verdicts, inspection),
      };
    },
  };
}

export type Session = ReturnType<typeof createSession>;
