import { DurableObject } from "cloudflare:workers";
import { err, ok, type Result } from "../engine/result";
import { checkBudget, periods, RESERVATION_TTL_MS, type BudgetDenial, type BudgetLimits } from "./budget";
import { nanoToUsd } from "./pricing";
import type { MeterRecord } from "./record";
import { addObservation, loadHistory } from "../savings/history-store";
import type { HistorySnapshot, SavingsObservation } from "../savings/types";
import {
  expireReservations,
  insertRecord,
  migrate,
  queryUsage,
  recentRequests,
  reserve,
  reservedNano,
  settle,
  spendNano,
  type StoredRequest,
} from "./store";
import type { MeterGroup, UsageRow } from "./usage";

/** What `admit` needs: the limits, and the request to record as `budget_denied` if it is refused. */
export interface AdmitRequest {
  limits: BudgetLimits;
  /** Recorded (with zero tokens and cost) when the request is refused. */
  record: MeterRecord;
  /** What the request may cost (nano-USD), reserved when it is admitted until its row replaces it. */
  reserveNano?: number;
}

/** The periods of `now` and the spend committed in them (recorded, and reserved by running requests). */
function committed(sql: SqlStorage, now: Date) {
  const bounds = periods(now);
  expireReservations(sql, now.getTime());
  const spend = {
    dayNano: spendNano(sql, bounds.day, bounds.day),
    dayReservedNano: reservedNano(sql, bounds.day, bounds.day),
    monthNano: spendNano(sql, bounds.monthStart, bounds.day),
    monthReservedNano: reservedNano(sql, bounds.monthStart, bounds.day),
  };
  return { bounds, spend };
}

/** What `admitAttempt` needs: the limits, the attempt's reservation id, its estimate and the time. */
export interface AttemptAdmission {
  limits: BudgetLimits;
  /** `<request id>#<attempt>` (`attemptReservationId`): settled with the request's row. */
  reservationId: string;
  reserveNano: number;
  time: string;
}

/**
 * One team's meter: a SQLite-backed Durable Object holding a row per request, daily rollups, the reservations of
 * running requests (see `schema.ts`) and the team's savings history (`src/savings/history-store.ts`). The budget
 * check and every spend update run in this single-threaded object, each in one synchronous transaction, so a check
 * always sees every finished request and every reservation, and no update is lost. Requests without a team key
 * keep their savings history in the instances named by `anonymousMeter` (`src/savings/history.ts`), which hold
 * no request rows.
 */
export class TeamMeter extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => migrate(ctx.storage.sql));
  }

  /**
   * Stores a finished request in place of its reservation and, in the same transaction, adds what it observed to
   * the savings history. Returns false when its request id was already stored (then it teaches nothing twice).
   */
  record(record: MeterRecord): boolean {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const { observed, ...row } = record;
      settle(sql, record.requestId);
      if (!insertRecord(sql, row)) return false;
      if (observed) addObservation(sql, observed, record.time);
      return true;
    });
  }

  /** Drops the reservation of a request that ended without a row (refused after admission, before forwarding). */
  release(requestId: string): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => settle(sql, requestId));
  }

  /** What the savings model has learned for a request's key (model and scope) and its model. */
  savings(model: string, scope: string): HistorySnapshot {
    return loadHistory(this.ctx.storage.sql, model, scope);
  }

  /** Adds observations without request rows (a batch of requests without a team key), in one transaction. */
  observe(batch: readonly { observed: SavingsObservation; time: string }[]): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => {
      for (const { observed, time } of batch) addObservation(sql, observed, time);
    });
  }

  /**
   * Admits a request unless the team's committed spend (recorded costs and live reservations) has reached a
   * limit, and reserves its estimate; a refused request is recorded as `budget_denied`. One transaction.
   */
  admit(request: AdmitRequest): Result<{ day_usd: number; month_usd: number }, BudgetDenial> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const now = new Date(request.record.time);
      const { bounds, spend } = committed(sql, now);
      const denial = checkBudget(request.limits, spend, now);
      if (denial) {
        insertRecord(sql, { ...request.record, outcome: "budget_denied" });
        return err(denial);
      }
      const amount = request.reserveNano ?? 0;
      if (amount > 0) reserve(sql, request.record.requestId, bounds.day, amount, now.getTime() + RESERVATION_TTL_MS);
      return ok({
        day_usd: nanoToUsd(spend.dayNano + spend.dayReservedNano),
        month_usd: nanoToUsd(spend.monthNano + spend.monthReservedNano),
      });
    });
  }

  /**
   * Admits one more attempt of a running, fanned-out request (docs/sampling.md) under the same rule as a request,
   * and reserves its estimate under `<request id>#<attempt>`; the request's row settles it with the request's own
   * reservation. A refused attempt writes no row: the request goes on with the attempts it has. One transaction.
   */
  admitAttempt(request: AttemptAdmission): Result<{ day_usd: number; month_usd: number }, BudgetDenial> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const now = new Date(request.time);
      const { bounds, spend } = committed(sql, now);
      const denial = checkBudget(request.limits, spend, now);
      if (denial) return err(denial);
      if (request.reserveNano > 0)
        reserve(sql, request.reservationId, bounds.day, request.reserveNano, now.getTime() + RESERVATION_TTL_MS);
      return ok({
        day_usd: nanoToUsd(spend.dayNano + spend.dayReservedNano),
        month_usd: nanoToUsd(spend.monthNano + spend.monthReservedNano),
      });
    });
  }

  /** The `limit` most recent request rows, newest first. */
  requests(limit: number): StoredRequest[] {
    return recentRequests(this.ctx.storage.sql, limit);
  }

  /** Usage over UTC days `from`..`to`, grouped by one or two dimensions. */
  usage(from: string, to: string, group: MeterGroup | MeterGroup[]): UsageRow[] {
    return queryUsage(this.ctx.storage.sql, from, to, group);
  }
}
