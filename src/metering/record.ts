import type { SavedEstimate, SavingsObservation } from "../savings/types";
import type { AttemptVerdict } from "../fanout/attempts";
import type { CountedBy } from "../formats/types";
import { priceOf, tokenCostNano, type Pricing } from "./pricing";

/**
 * How a metered request ended. `budget_denied` requests were refused before anything was forwarded;
 * `incomplete` streams ended cleanly without their end event; `forwarded` ones went through the `/v1`
 * pass-through (models, embeddings, files...), where no rule runs.
 */
export const OUTCOMES = [
  "accepted",
  "rejected",
  "early_exit",
  "client_abort",
  "upstream_error",
  "incomplete",
  "budget_denied",
  "forwarded",
] as const;
export type MeterOutcome = (typeof OUTCOMES)[number];

/** One finished request, as the proxy reports it to metering. */
export interface RequestRecord {
  requestId: string;
  /** ISO 8601, UTC. Its date is the rollup day. */
  time: string;
  model: string;
  task: string | null;
  adapter: string | null;
  packs: string[];
  outcome: MeterOutcome;
  rule: string | null;
  promptTokens: number;
  completionTokens: number;
  /** The saved estimate's expected tokens (`usage.inflight.saved_estimate`); null when no rule cut the stream. */
  savedTokens: number | null;
  /** The estimate's method, `none` without one. */
  savedMethod: string;
  /** The estimate's interval, the observations it rests on and the `max_tokens` bound; absent without one. */
  savedP10?: number | null;
  savedP90?: number | null;
  savedSamples?: number | null;
  savedUpperBound?: number | null;
  /** What the request teaches the team's savings model, learned in the same meter call as the row. */
  observed?: SavingsObservation;
  /** Who counted the tokens (`usage.inflight.counted_by`); absent for requests refused before forwarding. */
  countedBy?: CountedBy;
  /** A fanned-out request (docs/sampling.md): how many upstream attempts it made; absent for one request. */
  attempts?: number;
  /** Each attempt's verdict and tokens, in the order they started. */
  attemptVerdicts?: AttemptVerdict[];
}

/**
 * A request's saved estimate as record fields. Without an estimate an accepted request saved nothing (0) and
 * any other one an unknown amount (null): a client that walked away may have spared the rest of the stream.
 */
export function savedFields(
  estimate: SavedEstimate | null,
  outcome: MeterOutcome,
): Pick<RequestRecord, "savedTokens" | "savedMethod" | "savedP10" | "savedP90" | "savedSamples" | "savedUpperBound"> {
  if (!estimate) return { savedTokens: outcome === "accepted" ? 0 : null, savedMethod: "none" };
  return {
    savedTokens: estimate.completion_tokens,
    savedMethod: estimate.method,
    savedP10: estimate.p10,
    savedP90: estimate.p90,
    savedSamples: estimate.samples,
    savedUpperBound: estimate.upper_bound,
  };
}

/** A finished request as the team's meter stores it: one row of the `requests` table. */
export interface MeterRecord extends RequestRecord {
  /** The team key's id (never the key). */
  keyId: string | null;
  /** Null when the model has no price. */
  costNano: number | null;
  /** Saved completion tokens at the output price; null when either is unknown. */
  savedCostNano: number | null;
  /** The estimate's p10 and p90 at the output price; null (or absent) when either is unknown. */
  savedCostP10Nano?: number | null;
  savedCostP90Nano?: number | null;
  /** The door the request took, e.g. `POST /v1/embeddings`. */
  route?: string | null;
}

/** A record before pricing. */
export type UnpricedRecord = Omit<MeterRecord, "costNano" | "savedCostNano" | "savedCostP10Nano" | "savedCostP90Nano">;

/**
 * Prices a record from the pricing file. A model without a price keeps its token counts and gets `null` costs;
 * a request refused for its budget cost nothing.
 */
export function priceRecord(record: UnpricedRecord, pricing: Pricing): MeterRecord {
  if (record.outcome === "budget_denied")
    return { ...record, costNano: 0, savedCostNano: 0, savedCostP10Nano: 0, savedCostP90Nano: 0 };
  const price = priceOf(pricing, record.model);
  if (!price) return { ...record, costNano: null, savedCostNano: null, savedCostP10Nano: null, savedCostP90Nano: null };
  const costNano =
    tokenCostNano(record.promptTokens, price.input_per_million) +
    tokenCostNano(record.completionTokens, price.output_per_million);
  const output = (tokens: number | null | undefined) =>
    tokens === null || tokens === undefined ? null : tokenCostNano(tokens, price.output_per_million);
  return {
    ...record,
    costNano,
    savedCostNano: output(record.savedTokens),
    savedCostP10Nano: output(record.savedP10),
    savedCostP90Nano: output(record.savedP90),
  };
}

/** The UTC day (`YYYY-MM-DD`) of an ISO timestamp. */
export const dayOf = (time: string): string => time.slice(0, 10);
