import type { CompiledPack, CompiledRule } from "./compile";
import { createTokenCounter, type TokenCounter } from "./tokens";
import type { Channel, Finding, RequestContext, Validator } from "./types";

/** What a rule found, in the terms the client and the usage log see. */
export interface Rejection {
  rule: string;
  pack: string;
  stage: string;
  validator: string;
  action: CompiledRule["action"];
  message: string;
  choice: number;
  channel: Channel;
  /** For tool-call arguments: the tool call's index within the choice. */
  tool_call?: number;
  /** Where the finding became certain, within this choice's text on this channel. */
  offset: { chars: number; tokens: number };
  evidence: string;
  detail: string;
}

/** A decision that ends a choice: `reject` it, or `exit` early and accept what came before `offset`. */
export interface Verdict {
  action: "reject" | "exit";
  rejection: Rejection;
  /**
   * The finding lies in the last stage of a pack with several stages (its answer, e.g. after `####` or
   * `\boxed{`): what the output would still have generated is an answer's tail, not a typical remainder.
   */
  finalStage?: true;
  /**
   * Decided by the end-of-output checks (`Inspection.end`), once the output had ended: the upstream had generated
   * all of it, so the cut saved nothing (the final equation of `Answer: (6 - 4) * 5 = 24` closes at its end).
   */
  outputEnded?: true;
}

/** Identifies one text stream of a response: a choice's content, its reasoning, or one tool call's arguments. */
export interface StreamKey {
  choice: number;
  channel: Channel;
  toolCall?: number;
  toolName?: string;
}

interface RuleRun {
  rule: CompiledRule;
  validator: Validator;
  /** Absolute offset of the validator's first character in the stream. */
  base: number;
}

interface Hit {
  run: RuleRun;
  finding: Finding;
  at: number;
}

/** Runs the rules of several packs over every text stream of one response. */
export interface Inspection {
  /**
   * Inspects the next piece of a stream's text. Returns a verdict when a `reject` or `exit` rule fires; the
   * verdict's offset lies within this piece (or at its end). `flag` findings are collected in `flags`. An `exit`
   * ends the whole choice: its other streams run their end-of-output checks, and a rejection there (on its own
   * channel) is returned instead of the exit.
   */
  push(key: StreamKey, text: string): Verdict | undefined;
  /** The choice has finished (finish_reason or end of stream): stages close and end-of-output checks run. */
  end(choice: number): Verdict | undefined;
  /** Characters of this stream whose checkpoints have passed (safe to release under hold-back). */
  cleared(key: StreamKey): number;
  /** Estimated completion tokens over every stream so far. */
  tokens(): number;
  /** Estimated tokens of one choice over all of its streams. */
  choiceTokens(choice: number): number;
  /**
   * The choice's tokens (over all of its streams) when its content entered the last stage of a pack with several
   * stages, its final answer (`####`, `\boxed{`, `Answer:`...); undefined when it has not. The savings model
   * learns answer lengths from it.
   */
  answerStart(choice: number): number | undefined;
  readonly flags: readonly Rejection[];
}

function keyOf(key: StreamKey): string {
  return `${key.choice}:${key.channel}:${key.toolCall ?? 0}`;
}

const STEP_BREAK = "\n\n";

class PackStream {
  stageIndex = 0;
  /** Absolute offset where the current stage began. */
  stageStart = 0;
  /** The stream's estimated tokens before `stageStart`. */
  stageStartTokens = 0;
  /** Text not yet fed to the stage's rules because it may be the start of a marker. */
  pending = "";
  /** Absolute offset up to which text has been fed to the stage's rules. */
  fed = 0;
  cleared = 0;
  runs: RuleRun[] = [];
  private stageTokens = createTokenCounter();
  private readonly maxMarker: number;
  private readonly markerStarts: ReadonlySet<number>;

  constructor(
    readonly pack: CompiledPack,
    private readonly stream: Stream,
  ) {
    const markers = pack.stages.flatMap((stage) => stage.until ?? []);
    this.maxMarker = Math.max(0, ...markers.map((m) => m.length));
    this.markerStarts = new Set(markers.map((m) => m.charCodeAt(0)));
    this.startStage(0, 0);
  }

  private get stage() {
    // Stage indices are kept in range by `startStage`.
    return this.pack.stages[this.stageIndex]!;
  }

  private startStage(index: number, at: number): void {
    this.stageIndex = index;
    this.stageStart = at;
    // Once per stage: the stream has recorded the piece that holds `at` but not counted it yet.
    this.stageStartTokens = index === 0 ? 0 : this.stream.tokensBefore(at);
    this.stageTokens = createTokenCounter();
    this.runs = this.stream.instantiate(
      this.pack.rules.filter((rule) => rule.stageIndex === index),
      at,
    );
  }

  /** Feeds new text; returns the hits found, in text order per rule. */
  push(text: string, hits: Hit[]): void {
    let buffer = this.pending + text;
    let bufferStart = this.fed;
    this.pending = "";
    for (;;) {
      const markers = this.stage.until;
      if (!markers) break;
      let found = -1;
      for (const marker of markers) {
        const i = buffer.indexOf(marker);
        if (i >= 0 && (found < 0 || i < found)) found = i;
      }
      if (found < 0) {
        // Hold back a tail that could be the start of a marker, so stage text is cut the same under any split.
        const keep = this.markerPrefixLength(buffer, markers);
        this.pending = buffer.slice(buffer.length - keep);
        buffer = buffer.slice(0, buffer.length - keep);
        break;
      }
      this.feed(buffer.slice(0, found), bufferStart, hits);
      const boundary = bufferStart + found;
      this.endRuns(hits, boundary);
      if (hits.length > 0 && this.stream.stopsAt(hits)) return;
      this.cleared = boundary;
      this.startStage(this.stageIndex + 1, boundary);
      buffer = buffer.slice(found);
      bufferStart = boundary;
    }
    this.feed(buffer, bufferStart, hits);
  }

  private markerPrefixLength(buffer: string, markers: readonly string[]): number {
    const limit = Math.min(buffer.length, this.maxMarker - 1);
    for (let n = limit; n > 0; n -= 1) {
      // Most tails cannot start a marker: test the first character before building the string.
      if (!this.markerStarts.has(buffer.charCodeAt(buffer.length - n))) continue;
      const tail = buffer.slice(buffer.length - n);
      if (markers.some((marker) => marker.startsWith(tail))) return n;
    }
    return 0;
  }

  private feed(text: string, start: number, hits: Hit[]): void {
    if (text.length === 0) return;
    this.runs = runAll(this.runs, text, hits);
    this.fed = start + text.length;
    this.advanceCheckpoint(text, start);
  }

  private advanceCheckpoint(text: string, start: number): void {
    const checkpoint = this.stage.checkpoint;
    if (checkpoint === "stage") return;
    if (checkpoint === "line" || checkpoint === "step") {
      const mark = checkpoint === "line" ? "\n" : STEP_BREAK;
      const i = text.lastIndexOf(mark);
      if (i >= 0) this.cleared = Math.max(this.cleared, start + i + mark.length);
      return;
    }
    const before = this.stageTokens.count;
    const after = this.stageTokens.push(text);
    if (Math.floor(after / checkpoint.tokens) > Math.floor(before / checkpoint.tokens))
      this.cleared = start + text.length;
  }

  private endRuns(hits: Hit[], at: number): void {
    for (const run of this.runs) {
      const finding = run.validator.end();
      if (finding) hits.push({ run, finding, at: Math.min(run.base + finding.at, at) });
    }
    this.runs = [];
  }

  end(hits: Hit[]): void {
    const rest = this.pending;
    this.pending = "";
    this.feed(rest, this.fed, hits);
    this.endRuns(hits, this.stream.chars);
    this.cleared = this.stream.chars;
  }
}

/** Feeds text to each run; drops runs that reported (their rule has spoken for this stream). */
function runAll(runs: RuleRun[], text: string, hits: Hit[]): RuleRun[] {
  let kept = runs;
  for (const run of runs) {
    const finding = run.validator.push(text);
    if (!finding) continue;
    hits.push({ run, finding, at: run.base + finding.at });
    kept = kept.filter((other) => other !== run);
  }
  return kept;
}

/** Characters of recent text a stream keeps, to convert a finding's offset that lies before the current piece. */
const HISTORY = 1024;

/** Text of a stream from `start`, with the token count before it. */
interface Window {
  start: number;
  counter: TokenCounter;
  text: string;
}

class Stream {
  chars = 0;
  readonly counter: TokenCounter = createTokenCounter();
  /**
   * The last HISTORY to 2×HISTORY characters, in two windows with the token count before each (a copy taken once
   * per HISTORY characters): a validator that looks ahead (a lexer's lookahead, a window for a correction)
   * reports a finding a little after the text it is about.
   */
  private older: Window | undefined = undefined;
  private newer: Window = { start: 0, counter: createTokenCounter(), text: "" };
  wild: RuleRun[];
  readonly packs: PackStream[];
  finished = false;

  constructor(
    readonly key: StreamKey,
    private readonly rules: (rule: CompiledRule) => boolean,
    private readonly ctx: RequestContext,
    packs: readonly CompiledPack[],
  ) {
    this.wild = this.instantiate(
      packs.flatMap((pack) => pack.rules.filter((rule) => rule.stageIndex < 0)),
      0,
    );
    this.packs = packs.map((pack) => new PackStream(pack, this));
  }

  instantiate(rules: readonly CompiledRule[], base: number): RuleRun[] {
    const runs: RuleRun[] = [];
    const target = { channel: this.key.channel, ...(this.key.toolName ? { toolName: this.key.toolName } : {}) };
    for (const rule of rules) {
      if (!this.rules(rule) || !rule.channels.includes(this.key.channel)) continue;
      const validator = rule.create(this.ctx, target);
      if (validator) runs.push({ rule, validator, base });
    }
    return runs;
  }

  /** Keeps the recent text; called with every piece before `counter` counts it (`start`: the piece's offset). */
  record(text: string, start: number): void {
    if (this.newer.text.length >= HISTORY) {
      this.older = this.newer;
      this.newer = { start, counter: this.counter.clone(), text: "" };
    }
    this.newer.text += text;
  }

  /** Estimated tokens of the text before offset `at`, for an `at` within the recent text (else the oldest kept). */
  tokensBefore(at: number): number {
    const window = at >= this.newer.start || !this.older ? this.newer : this.older;
    return window.counter.clone().push(window.text.slice(0, Math.max(0, at - window.start)));
  }

  /** Whether any hit ends the stream (anything but a flag). */
  stopsAt(hits: Hit[]): boolean {
    return hits.some((hit) => hit.run.rule.action !== "flag");
  }
}

/**
 * Starts inspecting one response.
 * @example
 * const inspection = createInspection(packs, ctx);
 * const verdict = inspection.push({ choice: 0, channel: "content" }, delta);
 */
export function createInspection(packs: readonly CompiledPack[], ctx: RequestContext): Inspection {
  const streams = new Map<string, Stream>();
  const flags: Rejection[] = [];
  const applies = (rule: CompiledRule) => !rule.jsonOnly || ctx.wantsJson;

  const streamFor = (key: StreamKey): Stream => {
    const id = keyOf(key);
    let stream = streams.get(id);
    if (!stream) {
      stream = new Stream(key, applies, ctx, packs);
      streams.set(id, stream);
    }
    return stream;
  };

  const describe = (stream: Stream, hit: Hit, tokens: number): Rejection => ({
    rule: hit.run.rule.id,
    pack: hit.run.rule.pack,
    stage: hit.run.rule.stage,
    validator: hit.run.rule.validator,
    action: hit.run.rule.action,
    message: hit.run.rule.message,
    choice: stream.key.choice,
    channel: stream.key.channel,
    ...(stream.key.toolCall !== undefined ? { tool_call: stream.key.toolCall } : {}),
    offset: { chars: hit.at, tokens },
    evidence: hit.finding.evidence,
    detail: hit.finding.detail,
  });

  /** Turns the hits of one piece into flags and at most one verdict: the earliest stopping hit. */
  const decide = (stream: Stream, hits: Hit[], tokensAt: (at: number) => number): Verdict | undefined => {
    let first: Hit | undefined;
    for (const hit of hits) {
      if (hit.run.rule.action === "flag") continue;
      if (!first || hit.at < first.at) first = hit;
    }
    for (const hit of hits) {
      if (hit.run.rule.action === "flag" && (!first || hit.at <= first.at))
        flags.push(describe(stream, hit, tokensAt(hit.at)));
    }
    if (!first) return undefined;
    stream.finished = true;
    const action = first.run.rule.action === "exit" ? "exit" : "reject";
    const packStream = stream.packs.find((pack) => pack.pack.name === first.run.rule.pack);
    const stages = packStream?.pack.stages.length ?? 0;
    const finalStage =
      packStream !== undefined &&
      stages > 1 &&
      packStream.stageIndex === stages - 1 &&
      first.at >= packStream.stageStart;
    return { action, rejection: describe(stream, first, tokensAt(first.at)), ...(finalStage ? { finalStage } : {}) };
  };

  /** Runs the end-of-output checks of every open stream of a choice; the first verdict they give. */
  function endStreams(choice: number): Verdict | undefined {
    let verdict: Verdict | undefined;
    for (const stream of streams.values()) {
      if (stream.key.choice !== choice || stream.finished) continue;
      const hits: Hit[] = [];
      for (const run of stream.wild) {
        const finding = run.validator.end();
        if (finding) hits.push({ run, finding, at: Math.min(run.base + finding.at, stream.chars) });
      }
      stream.wild = [];
      for (const pack of stream.packs) pack.end(hits);
      verdict ??= decide(stream, hits, (at) => stream.tokensBefore(at));
      stream.finished = true;
    }
    return verdict;
  }

  const choiceTokens = (choice: number): number => {
    let total = 0;
    for (const stream of streams.values()) if (stream.key.choice === choice) total += stream.counter.count;
    return total;
  };

  return {
    push(key, text) {
      const stream = streamFor(key);
      if (stream.finished || text.length === 0) return undefined;
      const start = stream.chars;
      stream.chars += text.length;
      stream.record(text, start);
      const hits: Hit[] = [];
      stream.wild = runAll(stream.wild, text, hits);
      for (const pack of stream.packs) pack.push(text, hits);
      // The common case, on every piece: nothing found, so no offsets to convert (and nothing to allocate).
      if (hits.length === 0) {
        stream.counter.push(text);
        return undefined;
      }
      const before = stream.counter.clone();
      stream.counter.push(text);
      const tokensAt = (at: number) =>
        at >= start ? before.clone().push(text.slice(0, at - start)) : stream.tokensBefore(at);
      const verdict = decide(stream, hits, tokensAt);
      if (verdict?.action !== "exit") return verdict;
      // An early exit ends the choice: its other streams (the reasoning before the answer) end here too, and a
      // rejection by their end-of-output checks overrides the exit.
      const ended = endStreams(key.choice);
      return ended?.action === "reject" ? ended : verdict;
    },
    end(choice) {
      const verdict = endStreams(choice);
      return verdict && { ...verdict, outputEnded: true };
    },
    cleared(key) {
      const stream = streams.get(keyOf(key));
      if (!stream) return 0;
      if (stream.finished) return stream.chars;
      return Math.min(stream.chars, ...stream.packs.map((pack) => pack.cleared));
    },
    tokens() {
      let total = 0;
      for (const stream of streams.values()) total += stream.counter.count;
      return total;
    },
    choiceTokens,
    answerStart(choice) {
      const content = streams.get(keyOf({ choice, channel: "content" }));
      const answering = content?.packs.find(
        (pack) => pack.pack.stages.length > 1 && pack.stageIndex === pack.pack.stages.length - 1,
      );
      if (!content || !answering) return undefined;
      // The other streams of the choice (its reasoning) came before the answer: they count in full.
      return choiceTokens(choice) - content.counter.count + answering.stageStartTokens;
    },
    flags,
  };
}
