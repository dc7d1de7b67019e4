import { DurableObject } from "cloudflare:workers";
import { err, ok, type Result } from "../engine/result";
import { checkBudget, periods, type BudgetDenial, type BudgetLimits } from "./budget";
import { nanoToUsd } from "./pricing";
import type { MeterRecord } from "./record";
import { insertRecord, migrate, queryUsage, recentRequests, spendNano, type StoredRequest } from "./store";
import type { MeterGroup, UsageRow } from "./usage";

/** What `admit` needs: the limits, and the request to record as `budget_denied` if it is refused. */
export interface AdmitRequest {
  limits: BudgetLimits;
  /** Recorded (with zero tokens and cost) when the request is refused. */
  record: MeterRecord;
}

/**
 * One team's meter: a SQLite-backed Durable Object holding a row per request and daily rollups (see
 * `schema.ts`). The budget check and every spend update run in this single-threaded object, each in one
 * synchronous transaction, so a check always sees every finished request and no update is lost.
 */
export class TeamMeter extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.transactionSync(() => migrate(ctx.storage.sql));
  }

  /** Stores a finished request. Returns false when its request id was already stored. */
  record(record: MeterRecord): boolean {
    return this.ctx.storage.transactionSync(() => insertRecord(this.ctx.storage.sql, record));
  }

  /**
   * Admits a request unless the team's spend has reached a limit; a refused request is recorded as
   * `budget_denied` in the same transaction.
   */
  admit(request: AdmitRequest): Result<{ day_usd: number; month_usd: number }, BudgetDenial> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => {
      const now = new Date(request.record.time);
      const bounds = periods(now);
      const spend = {
        dayNano: spendNano(sql, bounds.day, bounds.day),
        monthNano: spendNano(sql, bounds.monthStart, bounds.day),
      };
      const denial = checkBudget(request.limits, spend, now);
      if (!denial) return ok({ day_usd: nanoToUsd(spend.dayNano), month_usd: nanoToUsd(spend.monthNano) });
      insertRecord(sql, { ...request.record, outcome: "budget_denied" });
      return err(denial);
    });
  }

  /** The `limit` most recent request rows, newest first. */
  requests(limit: number): StoredRequest[] {
    return recentRequests(this.ctx.storage.sql, limit);
  }

  /** Usage over UTC days `from`..`to`, grouped. */
  usage(from: string, to: string, group: MeterGroup): UsageRow[] {
    return queryUsage(this.ctx.storage.sql, from, to, group);
  }
}
