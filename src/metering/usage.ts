import * as z from "../zod";
import { nanoToUsd } from "./pricing";

/**
 * How the meter groups its rollups. `total` is one row for the whole range. `method` (how each saved estimate
 * was made, `saved_method`) is not in the daily rollup: a grouping with it sums the request rows instead.
 */
export type MeterGroup = "day" | "model" | "rule" | "task" | "outcome" | "method" | "total";

/** SQL expression per group over `daily`, whitelisted (group names never reach SQL as text). */
export const GROUP_COLUMNS: Record<Exclude<MeterGroup, "method">, string> = {
  day: "day",
  model: "model",
  rule: "rule",
  task: "task",
  outcome: "outcome",
  total: "''",
};

/** Joins the values of a two-dimension group into one row key (a control character no name contains). */
export const KEY_SEPARATOR = "\u001f";

/**
 * One group's sums as the meter returns them (costs in nano-USD). `estimated_saved_*` sum the saved estimate of
 * every request in the group and the bounds of its interval (a sum of p10s, not the p10 of the sum: wider than
 * the sum's own interval, never narrower); `saved_upper_bound_tokens` sums the `max_tokens` bound of the cut
 * requests that set one.
 */
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
  estimated_saved_tokens: number;
  estimated_saved_tokens_p10: number;
  estimated_saved_tokens_p90: number;
  saved_upper_bound_tokens: number;
  unpriced_requests: number;
  cost_nano_usd: number;
  estimated_saved_cost_nano_usd: number;
  estimated_saved_cost_p10_nano_usd: number;
  estimated_saved_cost_p90_nano_usd: number;
}

/** Every summed field of a row, in the order the API and the CSV list them (costs last). */
export const COUNT_FIELDS = [
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
  "estimated_saved_tokens",
  "estimated_saved_tokens_p10",
  "estimated_saved_tokens_p90",
  "saved_upper_bound_tokens",
  "unpriced_requests",
  "cost_nano_usd",
  "estimated_saved_cost_nano_usd",
  "estimated_saved_cost_p10_nano_usd",
  "estimated_saved_cost_p90_nano_usd",
] as const satisfies readonly (keyof UsageRow)[];

/** Nano-USD fields and the USD field each becomes in the API. */
const COST_FIELDS = {
  cost_nano_usd: "cost_usd",
  estimated_saved_cost_nano_usd: "estimated_saved_cost_usd",
  estimated_saved_cost_p10_nano_usd: "estimated_saved_cost_usd_p10",
  estimated_saved_cost_p90_nano_usd: "estimated_saved_cost_usd_p90",
} as const;

const DaySchema = z.iso.date();
const METER_DIMENSIONS = ["day", "model", "rule", "task", "outcome", "method"] as const satisfies readonly MeterGroup[];
const DIMENSIONS = [...METER_DIMENSIONS, "team"] as const;
/** A grouping dimension of the usage API. */
export type UsageDimension = (typeof DIMENSIONS)[number];

const dimensionsOf = (value: string) => value.split(",").map((part) => part.trim());

/**
 * `group_by`: one dimension, or two separated by a comma (`team,day`, `rule,day`), each at most once. Checked
 * before it is split: a zod/mini transform cannot report an issue.
 */
const GroupBySchema = z.pipe(
  z.string().check(
    z.superRefine((value, ctx) => {
      const parts = dimensionsOf(value);
      const unknown = parts.find((part) => !(DIMENSIONS as readonly string[]).includes(part));
      const problem =
        unknown !== undefined
          ? `unknown dimension "${unknown}"; expected ${DIMENSIONS.join(", ")}, or two of them separated by a comma`
          : parts.length > 2
            ? "at most two dimensions"
            : new Set(parts).size < parts.length
              ? "a dimension may appear once"
              : undefined;
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    }),
  ),
  z.transform((value: string) => dimensionsOf(value) as UsageDimension[]),
);

/** Query of `GET /admin/usage` and `GET /v1/inflight/usage`. */
export const UsageQuerySchema = z
  .strictObject({
    team: z.optional(z.string()),
    from: z.optional(DaySchema),
    to: z.optional(DaySchema),
    group_by: z._default(GroupBySchema, ["day"] as UsageDimension[]),
    format: z._default(z.enum(["json", "csv"]), "json"),
  })
  .check(
    z.refine((query) => !query.from || !query.to || query.from <= query.to, {
      message: "`from` must not be after `to`",
      path: ["from"],
    }),
  );
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

/** A usage row as the API returns it: the group values under their own names, costs in USD. */
export type PublicUsageRow = Record<string, string | number | null>;

/**
 * Converts a meter row for the API. Costs are null when no request in the group had a price (only unpriced
 * models), never a guess; `unpriced_requests` says how many requests the costs leave out. `rule` and `task` are
 * null for requests without one.
 */
export function publicRow(row: UsageRow, groups: readonly string[]): PublicUsageRow {
  const priced = row.requests - row.budget_denied - row.unpriced_requests;
  const unknown = priced === 0 && row.unpriced_requests > 0;
  const values = row.key.split(KEY_SEPARATOR);
  const out: PublicUsageRow = {};
  groups.forEach((group, i) => {
    const value = values[i] ?? "";
    out[group] = value === "" && (group === "rule" || group === "task") ? null : value;
  });
  for (const field of COUNT_FIELDS) {
    if (field in COST_FIELDS) continue;
    out[field] = row[field];
  }
  for (const [nano, usd] of Object.entries(COST_FIELDS))
    out[usd] = unknown ? null : nanoToUsd(row[nano as keyof typeof COST_FIELDS]);
  return out;
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

/** CSV columns for a grouping: the group dimensions, then the same fields as the JSON rows. */
export function csvColumns(groups: readonly string[]): string[] {
  return [...groups, ...COUNT_FIELDS.filter((f) => !(f in COST_FIELDS)), ...Object.values(COST_FIELDS)];
}
