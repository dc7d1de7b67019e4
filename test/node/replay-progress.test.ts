import { describe, expect, it } from "vitest";
import { createProgress, formatProgress } from "../../scripts/lib/replay-progress";

describe("the replay progress line", () => {
  it("shows lines and rate, and the share read and time left when the input's size is known", () => {
    expect(formatProgress({ lines: 50_000, bytes: 5e6, totalBytes: 2e7, elapsedMs: 10_000 })).toBe(
      "50,000 lines, 5,000 lines/s, 25.0%, ETA 0:30",
    );
    expect(formatProgress({ lines: 1_000_000, bytes: 1e8, totalBytes: 4e8, elapsedMs: 1_500_000 })).toBe(
      "1,000,000 lines, 667 lines/s, 25.0%, ETA 1:15:00",
    );
    expect(formatProgress({ lines: 1234, bytes: 999, elapsedMs: 2000 })).toBe("1,234 lines, 617 lines/s");
    expect(formatProgress({ lines: 0, bytes: 0, totalBytes: 100, elapsedMs: 0 })).toBe("0 lines, 0.0%");
  });

  it("redraws in place at most once per interval, and erases itself only when shown", () => {
    let clock = 0;
    const written: string[] = [];
    const progress = createProgress({ write: (text) => written.push(text), now: () => clock, intervalMs: 250 });
    progress.clear();
    expect(written).toEqual([]);
    clock = 100;
    progress.update(10, 100);
    clock = 200;
    progress.update(20, 200);
    clock = 349;
    progress.update(30, 300);
    clock = 350;
    progress.update(40, 400);
    expect(written).toEqual(["\r\x1b[K10 lines, 100 lines/s", "\r\x1b[K40 lines, 114 lines/s"]);
    progress.clear();
    progress.clear();
    expect(written.slice(2)).toEqual(["\r\x1b[K"]);
  });
});
