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
  savedTokens: number | null;
  savedMethod: string;
  /** Who counted the tokens (`usage.inflight.counted_by`); absent for requests refused before forwarding. */
  countedBy?: CountedBy;
}

/** A finished request as the team's meter stores it: one row of the `requests` table. */
export interface MeterRecord extends RequestRecord {
  /** The team key's id (never the key). */
  keyId: string | null;
  /** Null when the model has no price. */
  costNano: number | null;
  /** Saved completion tokens at the output price; null when either is unknown. */
  savedCostNano: number | null;
  /** The door the request took, e.g. `POST /v1/embeddings`. */
  route?: string | null;
}

/** A record before pricing. */
export type UnpricedRecord = Omit<MeterRecord, "costNano" | "savedCostNano">;

/**
 * Prices a record from the pricing file. A model without a price keeps its token counts and gets `null` costs;
 * a request refused for its budget cost nothing.
 */
export function priceRecord(record: UnpricedRecord, pricing: Pricing): MeterRecord {
  if (record.outcome === "budget_denied") return { ...record, costNano: 0, savedCostNano: 0 };
  const price = priceOf(pricing, record.model);
  if (!price) return { ...record, costNano: null, savedCostNano: null };
  const costNano =
    tokenCostNano(record.promptTokens, price.input_per_million) +
    tokenCostNano(record.completionTokens, price.output_per_million);
  const savedCostNano =
    record.savedTokens === null ? null : tokenCostNano(record.savedTokens, price.output_per_million);
  return { ...record, costNano, savedCostNano };
}

/** The UTC day (`YYYY-MM-DD`) of an ISO timestamp. */
export const dayOf = (time: string): string => time.slice(0, 10);
