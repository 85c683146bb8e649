/**
 * The portal's leaky bucket: each REST HTTP request adds 1, the level drains `rate` per second,
 * and a request that would push the level above `burst` is refused (and not added).
 */
export class LeakyBucket {
  private level = 0;
  private lastMs = Date.now();

  constructor(private readonly settings: () => { rate: number; burst: number }) {}

  tryTake(nowMs = Date.now()): boolean {
    const { rate, burst } = this.settings();
    this.drain(nowMs, rate);
    if (rate <= 0) return true;
    if (this.level + 1 > burst) return false;
    this.level += 1;
    return true;
  }

  currentLevel(nowMs = Date.now()): number {
    this.drain(nowMs, this.settings().rate);
    return this.level;
  }

  reset(): void {
    this.level = 0;
    this.lastMs = Date.now();
  }

  private drain(nowMs: number, rate: number): void {
    const elapsed = Math.max(0, nowMs - this.lastMs) / 1000;
    this.level = rate > 0 ? Math.max(0, this.level - elapsed * rate) : 0;
    this.lastMs = nowMs;
  }
}
