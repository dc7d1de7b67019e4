import { z } from "zod";
import { nanoToUsd } from "./pricing";

/** How the meter groups its rollups. `total` is one row for the whole range. */
export type MeterGroup = "day" | "model" | "rule" | "task" | "outcome" | "total";

/** SQL expression per group, whitelisted (group names never reach SQL as text). */
export const GROUP_COLUMNS: Record<MeterGroup, string> = {
  day: "day",
  model: "model",
  rule: "rule",
  task: "task",
  outcome: "outcome",
  total: "''",
};

/** One group's sums as the meter returns them (costs in nano-USD). */
export interface UsageRow {
  key: string;
  requests: number;
  accepted: number;
  rejected: number;
  early_exit: number;
  client_abort: number;
  upstream_error: number;
  incomplete: number;
  budget_denied: number;
  forwarded: number;
  prompt_tokens: number;
  completion_tokens: number;
  saved_tokens: number;
  cost_nano_usd: number;
  saved_cost_nano_usd: number;
  unpriced_requests: number;
}

const COUNT_FIELDS = [
  "requests",
  "accepted",
  "rejected",
  "early_exit",
  "client_abort",
  "upstream_error",
  "incomplete",
  "budget_denied",
  "forwarded",
  "prompt_tokens",
  "completion_tokens",
  "saved_tokens",
  "cost_nano_usd",
  "saved_cost_nano_usd",
  "unpriced_requests",
] as const;

const DaySchema = z.iso.date();

/** Query of `GET /admin/usage` and `GET /v1/inflight/usage`. */
export const UsageQuerySchema = z
  .strictObject({
    team: z.string().optional(),
    from: DaySchema.optional(),
    to: DaySchema.optional(),
    group_by: z.enum(["day", "model", "rule", "task", "outcome", "team"]).default("day"),
    format: z.enum(["json", "csv"]).default("json"),
  })
  .refine((query) => !query.from || !query.to || query.from <= query.to, {
    message: "`from` must not be after `to`",
    path: ["from"],
  });
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

/** The longest range a usage query may span. */
export const MAX_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** Fills in a query's range: by default the 30 UTC days up to `now`. Errors when the range is too long. */
export function resolveRange(
  query: UsageQuery,
  now: Date,
): { ok: true; from: string; to: string } | { ok: false; message: string } {
  const to = query.to ?? now.toISOString().slice(0, 10);
  const from = query.from ?? new Date(Date.parse(to) - 29 * DAY_MS).toISOString().slice(0, 10);
  if (from > to) return { ok: false, message: "`from` must not be after `to`" };
  if ((Date.parse(to) - Date.parse(from)) / DAY_MS + 1 > MAX_RANGE_DAYS)
    return { ok: false, message: `the range may span at most ${MAX_RANGE_DAYS} days` };
  return { ok: true, from, to };
}

/** Adds rows with the same key (the organisation view sums its teams). */
export function mergeRows(lists: readonly (readonly UsageRow[])[]): UsageRow[] {
  const merged = new Map<string, UsageRow>();
  for (const rows of lists) {
    for (const row of rows) {
      const into = merged.get(row.key);
      if (!into) {
        merged.set(row.key, { ...row });
        continue;
      }
      for (const field of COUNT_FIELDS) into[field] += row[field];
    }
  }
  return [...merged.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A usage row as the API returns it: the group value under its own name, costs in USD. */
export type PublicUsageRow = Record<string, string | number | null>;

/**
 * Converts a meter row for the API. Cost is null when no request in the group had a price (only unpriced
 * models), never a guess; `unpriced_requests` says how many requests the cost leaves out.
 */
export function publicRow(row: UsageRow, group: string | null): PublicUsageRow {
  const priced = row.requests - row.budget_denied - row.unpriced_requests;
  const unknown = priced === 0 && row.unpriced_requests > 0;
  const { key, cost_nano_usd, saved_cost_nano_usd, ...counts } = row;
  return {
    ...(group ? { [group]: key === "" && (group === "rule" || group === "task") ? null : key } : {}),
    ...counts,
    cost_usd: unknown ? null : nanoToUsd(cost_nano_usd),
    saved_cost_usd: unknown ? null : nanoToUsd(saved_cost_nano_usd),
  };
}

/** An empty total, for a range without requests. */
export function emptyRow(key = ""): UsageRow {
  const row = { key } as UsageRow;
  for (const field of COUNT_FIELDS) row[field] = 0;
  return row;
}

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  // A cell starting with = + - @ is a formula to spreadsheet software; model and task names come from clients.
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows as CSV (RFC 4180, header line first, CRLF line ends). */
export function toCsv(rows: readonly PublicUsageRow[], columns: readonly string[]): string {
  const lines = [
    columns.join(","),
    ...rows.map((row) => columns.map((column) => csvCell(row[column] ?? null)).join(",")),
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** CSV columns for a grouping. */
export function csvColumns(group: string): string[] {
  return [
    group,
    ...COUNT_FIELDS.filter((f) => f !== "cost_nano_usd" && f !== "saved_cost_nano_usd"),
    "cost_usd",
    "saved_cost_usd",
  ];
}
