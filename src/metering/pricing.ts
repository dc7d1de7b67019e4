import * as z from "../zod";
import { err, ok, type Result } from "../engine/result";
import pricingFile from "./pricing.json";

const PricePerMillionSchema = z.number().check(z.nonnegative(), z.lte(10_000));

/** One model's list price in USD per million tokens. */
export const ModelPriceSchema = z.strictObject({
  input_per_million: PricePerMillionSchema,
  output_per_million: PricePerMillionSchema,
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

/** `src/metering/pricing.json`: prices by exact model name. */
export const PricingSchema = z.strictObject({
  currency: z.literal("USD"),
  models: z.record(z.string().check(z.minLength(1)), ModelPriceSchema),
});
export type Pricing = z.infer<typeof PricingSchema>;

/** Validates a pricing document; the error names the dotted path at fault. */
export function parsePricing(data: unknown, file = "pricing.json"): Result<Pricing, string> {
  const parsed = PricingSchema.safeParse(data);
  if (parsed.success) return ok(parsed.data);
  return err(`${file}: ${z.prettifyError(parsed.error)}`);
}

let shipped: Pricing | undefined;

/** The bundled pricing file, validated once per isolate. Throws (at first use) when the file is invalid. */
export function shippedPricing(): Pricing {
  if (shipped) return shipped;
  const parsed = parsePricing(pricingFile, "src/metering/pricing.json");
  if (!parsed.ok) throw new Error(parsed.error);
  shipped = parsed.value;
  return shipped;
}

/** Nano-USD (1e-9 USD) per USD: costs are stored as integers so that sums and budget checks are exact. */
export const NANO_PER_USD = 1_000_000_000;

/** Cost of `tokens` at `perMillion` USD, in whole nano-USD (rounded once per request). */
export function tokenCostNano(tokens: number, perMillion: number): number {
  return Math.round(tokens * perMillion * 1000);
}

/** The price of a model by exact name; an unknown model has none (it is never guessed from a similar name). */
export function priceOf(pricing: Pricing, model: string): ModelPrice | undefined {
  return Object.hasOwn(pricing.models, model) ? pricing.models[model] : undefined;
}

export const usdToNano = (usd: number): number => Math.round(usd * NANO_PER_USD);
export const nanoToUsd = (nano: number): number => nano / NANO_PER_USD;
