import { DurableObject } from "cloudflare:workers";
import {
  countFailure,
  currentVerdict,
  type FailureWindow,
  type ThrottleLimits,
  type ThrottleVerdict,
} from "./throttle";

/**
 * Failed authentication attempts of one client (`idFromName("<scope>:<client address>")`), on SQLite: one row,
 * the client's current window.
 */
export class AuthThrottle extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS failure_window (
         id INTEGER PRIMARY KEY CHECK (id = 1), start_ms INTEGER NOT NULL, failures INTEGER NOT NULL)`,
    );
  }

  private window(): FailureWindow | null {
    const row = this.ctx.storage.sql
      .exec<{ start_ms: number; failures: number }>("SELECT start_ms, failures FROM failure_window")
      .toArray()[0];
    return row ? { startMs: row.start_ms, failures: row.failures } : null;
  }

  /** Counts a failed attempt (see `countFailure`) and says whether the client is now throttled. */
  fail(limits: ThrottleLimits, nowMs: number): ThrottleVerdict {
    return this.ctx.storage.transactionSync(() => {
      const { window, verdict } = countFailure(this.window(), nowMs, limits);
      this.ctx.storage.sql.exec(
        `INSERT INTO failure_window (id, start_ms, failures) VALUES (1, ?, ?)
         ON CONFLICT (id) DO UPDATE SET start_ms = excluded.start_ms, failures = excluded.failures`,
        window.startMs,
        window.failures,
      );
      return verdict;
    });
  }

  /** Whether the client is throttled now; counts nothing. */
  status(limits: ThrottleLimits, nowMs: number): ThrottleVerdict {
    return currentVerdict(this.window(), nowMs, limits);
  }
}
