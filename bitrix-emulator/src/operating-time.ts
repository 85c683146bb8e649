/**
 * The per-method "operating" budget (reference §1.5, limits.md): the execution time of each method, per
 * webhook, is summed in one-minute buckets over a sliding 10 minutes; once the sum reaches the limit the method
 * answers 429 OPERATION_TIME_LIMIT until the oldest bucket leaves the window (`operating_reset_at`).
 * The outer `batch` call is not counted; each command inside is.
 */
const WINDOW_MINUTES = 10;

export class OperatingBudget {
  /** method → (minute index → seconds) */
  private readonly buckets = new Map<string, Map<number, number>>();

  constructor(private readonly limitSeconds: () => number) {}

  /** Seconds counted for `method` in the window ending now. */
  used(method: string, nowMs = Date.now()): number {
    return this.prune(method, nowMs).reduce((sum, [, seconds]) => sum + seconds, 0);
  }

  /** Unix seconds when the oldest counted minute leaves the window (now + 10 min when nothing is counted). */
  resetAt(method: string, nowMs = Date.now()): number {
    const live = this.prune(method, nowMs);
    const oldest = live.length > 0 ? Math.min(...live.map(([minute]) => minute)) : Math.floor(nowMs / 60_000);
    return (oldest + WINDOW_MINUTES) * 60;
  }

  isBlocked(method: string, nowMs = Date.now()): boolean {
    const limit = this.limitSeconds();
    return limit > 0 && this.used(method, nowMs) >= limit;
  }

  record(method: string, seconds: number, nowMs = Date.now()): void {
    if (seconds <= 0) return;
    const minute = Math.floor(nowMs / 60_000);
    const perMethod = this.buckets.get(method) ?? new Map<number, number>();
    perMethod.set(minute, (perMethod.get(minute) ?? 0) + seconds);
    this.buckets.set(method, perMethod);
  }

  reset(): void {
    this.buckets.clear();
  }

  private prune(method: string, nowMs: number): Array<[number, number]> {
    const perMethod = this.buckets.get(method);
    if (!perMethod) return [];
    const first = Math.floor(nowMs / 60_000) - WINDOW_MINUTES + 1;
    for (const minute of [...perMethod.keys()]) if (minute < first) perMethod.delete(minute);
    return [...perMethod.entries()];
  }
}
