import { nanoToUsd, tokenCostNano, usdToNano, type ModelPrice } from "./pricing";

/** A team's spend limits in USD per UTC day and calendar month; null means no limit. */
export interface BudgetLimits {
  daily_usd: number | null;
  monthly_usd: number | null;
}

/**
 * Why a request was refused: the period whose limit is reached, its limit, the recorded spend, what running
 * requests have reserved, and when the period resets.
 */
export interface BudgetDenial {
  period: "day" | "month";
  limit_usd: number;
  spend_usd: number;
  reserved_usd: number;
  resets_at: string;
}

/** Recorded spend and live reservations of the day and the month, in nano-USD. */
export interface Committed {
  dayNano: number;
  dayReservedNano: number;
  monthNano: number;
  monthReservedNano: number;
}

/** The UTC day of `now`, the first day of its month, and when each period ends. */
export function periods(now: Date) {
  const day = now.toISOString().slice(0, 10);
  const nextDay = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const nextMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return {
    day,
    monthStart: `${day.slice(0, 7)}-01`,
    nextDay: nextDay.toISOString(),
    nextMonth: nextMonth.toISOString(),
  };
}

export const hasLimits = (limits: BudgetLimits): boolean => limits.daily_usd !== null || limits.monthly_usd !== null;

/**
 * How long a reservation holds when its request never reports (an isolate that crashed mid-request). A request
 * that runs longer is still recorded; only its reservation lapses early.
 */
export const RESERVATION_TTL_MS = 15 * 60_000;

/** What a request may cost at most, as far as it can be told before it runs: its reservation's tokens. */
export interface CostEstimate {
  promptTokens: number;
  /** `max_tokens` (or `BUDGET_DEFAULT_MAX_TOKENS`) times the number of choices. */
  completionTokens: number;
}

/** An estimate at a model's price, in nano-USD; 0 for a model without a price (it adds no spend either). */
export function reservationNano(estimate: CostEstimate, price: ModelPrice | undefined): number {
  if (!price) return 0;
  return (
    tokenCostNano(estimate.promptTokens, price.input_per_million) +
    tokenCostNano(estimate.completionTokens, price.output_per_million)
  );
}

/**
 * Decides whether a request may start. It may while the committed spend (finished requests, plus the
 * reservations of running ones) is below every limit. So concurrent requests pass a limit by at most the
 * last admitted request's cost, as long as each costs no more than it reserved (docs/teams.md, Budgets).
 */
export function checkBudget(limits: BudgetLimits, spend: Committed, now: Date): BudgetDenial | null {
  const bounds = periods(now);
  if (limits.daily_usd !== null && spend.dayNano + spend.dayReservedNano >= usdToNano(limits.daily_usd)) {
    return {
      period: "day",
      limit_usd: limits.daily_usd,
      spend_usd: nanoToUsd(spend.dayNano),
      reserved_usd: nanoToUsd(spend.dayReservedNano),
      resets_at: bounds.nextDay,
    };
  }
  if (limits.monthly_usd !== null && spend.monthNano + spend.monthReservedNano >= usdToNano(limits.monthly_usd)) {
    return {
      period: "month",
      limit_usd: limits.monthly_usd,
      spend_usd: nanoToUsd(spend.monthNano),
      reserved_usd: nanoToUsd(spend.monthReservedNano),
      resets_at: bounds.nextMonth,
    };
  }
  return null;
}

/**
 * The reservation id of attempt `attempt` of a fanned-out request (docs/sampling.md): settled together with the
 * request's own reservation (`settle` in `store.ts`) when its row is recorded.
 */
export const attemptReservationId = (requestId: string, attempt: number): string => `${requestId}#${attempt}`;
