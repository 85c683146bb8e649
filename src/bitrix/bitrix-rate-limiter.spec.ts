import { BitrixRateLimiter, reservoirSettingsFor } from './bitrix-rate-limiter';

/** The portal's leaky bucket (reference §1.5): +1 per request, drains `rate`/s, refuses above `burst`. */
function portalBucket(rate: number, burst: number) {
  let level = 0;
  let last = 0;
  return (atMs: number): boolean => {
    level = Math.max(0, level - ((atMs - last) / 1000) * rate);
    last = atMs;
    if (level + 1 > burst) return false;
    level += 1;
    return true;
  };
}

describe('reservoirSettingsFor', () => {
  it('mirrors the standard plan (2/s, burst 50) with a little headroom', () => {
    expect(reservoirSettingsFor({ ratePerSecond: 2, burst: 50 })).toEqual({
      reservoir: 48,
      reservoirIncreaseAmount: 1,
      reservoirIncreaseInterval: 500,
      reservoirIncreaseMaximum: 48,
      heartbeatInterval: 50,
    });
  });

  it('mirrors Enterprise (5/s, burst 250)', () => {
    const s = reservoirSettingsFor({ ratePerSecond: 5, burst: 250 });
    expect(s.reservoir).toBe(240);
    expect(s.reservoirIncreaseInterval).toBe(200);
  });

  it('handles fractional and very high rates', () => {
    expect(reservoirSettingsFor({ ratePerSecond: 0.5, burst: 1 })).toMatchObject({ reservoir: 1, reservoirIncreaseInterval: 2000, reservoirIncreaseAmount: 1 });
    const fast = reservoirSettingsFor({ ratePerSecond: 500, burst: 1000 });
    expect((fast.reservoirIncreaseAmount * 1000) / fast.reservoirIncreaseInterval).toBeCloseTo(500, 0);
  });

  it('refuses nonsense', () => {
    expect(() => reservoirSettingsFor({ ratePerSecond: 0, burst: 50 })).toThrow();
    expect(() => reservoirSettingsFor({ ratePerSecond: 2, burst: 0 })).toThrow();
  });
});

describe('BitrixRateLimiter', () => {
  it('lets a burst through at once, then spaces calls at the drain rate, never overflowing the portal bucket', async () => {
    const rate = 50;
    const burst = 20;
    const limiter = new BitrixRateLimiter({ ratePerSecond: rate, burst });
    const t0 = Date.now();
    const times = await Promise.all(Array.from({ length: 80 }, () => limiter.schedule(async () => Date.now() - t0)));
    await limiter.stop();
    times.sort((a, b) => a - b);
    const portal = portalBucket(rate, burst);
    expect(times.filter((t) => !portal(t))).toEqual([]);
    // 19 immediately (burst minus headroom), the remaining 61 at 50/s ≈ 1.22 s.
    expect(times[18]).toBeLessThan(100);
    const total = times[times.length - 1];
    expect(total).toBeGreaterThan(1100);
    expect(total).toBeLessThan(2200);
  });

  it('drain() empties the bucket so queued calls wait for the refill', async () => {
    const limiter = new BitrixRateLimiter({ ratePerSecond: 10, burst: 10 });
    await limiter.drain();
    expect(await limiter.currentTokens()).toBe(0);
    const t0 = Date.now();
    await limiter.schedule(async () => undefined);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(60);
    await limiter.stop();
  });
});
