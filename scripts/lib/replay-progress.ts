/** Where a run stands, for the progress line. */
export interface ProgressState {
  lines: number;
  bytes: number;
  /** The input's size when it is known (a file, or stdin redirected from one). */
  totalBytes?: number;
  elapsedMs: number;
}

const num = (n: number) => Math.round(n).toLocaleString("en-US");

function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * The progress line: lines read, the rate, and with a known size the share read and the time left at the rate so far.
 * @example formatProgress({ lines: 50_000, bytes: 5e6, totalBytes: 2e7, elapsedMs: 10_000 })
 * // "50,000 lines, 5,000 lines/s, 25.0%, ETA 0:30"
 */
export function formatProgress({ lines, bytes, totalBytes, elapsedMs }: ProgressState): string {
  const seconds = elapsedMs / 1000;
  const parts = [`${num(lines)} lines`];
  if (seconds > 0) parts.push(`${num(lines / seconds)} lines/s`);
  if (totalBytes !== undefined && totalBytes > 0) {
    parts.push(`${((100 * Math.min(bytes, totalBytes)) / totalBytes).toFixed(1)}%`);
    if (bytes > 0 && seconds > 0) parts.push(`ETA ${duration(((totalBytes - bytes) / bytes) * elapsedMs)}`);
  }
  return parts.join(", ");
}

export interface ProgressOptions {
  /** Writes to the terminal (stderr). */
  write: (text: string) => void;
  now: () => number;
  totalBytes?: number;
  /** Least time between two redraws. */
  intervalMs?: number;
}

/**
 * A progress line redrawn in place (`\r`, erase to the end of the line) at most once per `intervalMs`, however
 * often `update` is called. Only for a terminal: a caller whose stderr is a pipe or a file does not create one.
 */
export function createProgress({ write, now, totalBytes, intervalMs = 250 }: ProgressOptions) {
  const started = now();
  let last = -Infinity;
  let shown = false;
  const draw = (lines: number, bytes: number, at: number) => {
    const state = { lines, bytes, elapsedMs: at - started, ...(totalBytes !== undefined ? { totalBytes } : {}) };
    write(`\r\x1b[K${formatProgress(state)}`);
    shown = true;
    last = at;
  };
  return {
    update(lines: number, bytes: number): void {
      const at = now();
      if (at - last >= intervalMs) draw(lines, bytes, at);
    },
    /** Erases the line (before other output, and at the end); the next `update` due draws it again. */
    clear(): void {
      if (shown) write("\r\x1b[K");
      shown = false;
    },
  };
}
