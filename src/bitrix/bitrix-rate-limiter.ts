import Bottleneck from 'bottleneck';
import type { SharedBitrixBudget } from './bitrix-shared-budget';

export interface BitrixRateLimiterOptions {
  /** Drain rate of the portal's leaky bucket, requests per second (2 standard, 5 Enterprise). */
  ratePerSecond: number;
  /** Bucket size X (50 standard, 250 Enterprise). */
  burst: number;
}

/** Bottleneck reservoir settings that mirror the portal's leaky bucket. */
export interface BitrixReservoirSettings {
  reservoir: number;
  reservoirIncreaseAmount: number;
  reservoirIncreaseInterval: number;
  reservoirIncreaseMaximum: number;
  heartbeatInterval: number;
}

/**
 * Computes the token bucket equivalent to Bitrix24's leaky bucket (reference §1.5): the portal adds 1 per
 * request, drains `rate`/s and rejects above `burst`; so the client may hold `burst` tokens, refilled at
 * `rate`/s. We keep a small headroom (4%, at least 1) because network jitter can make requests arrive
 * closer together than they left, and the portal's off-by-one at the edge is not documented.
 */
export function reservoirSettingsFor({ ratePerSecond, burst }: BitrixRateLimiterOptions): BitrixReservoirSettings {
  if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new Error(`Bitrix rate limit must be > 0 (got ${ratePerSecond})`);
  if (!(burst >= 1) || !Number.isFinite(burst)) throw new Error(`Bitrix burst must be >= 1 (got ${burst})`);
  const headroom = Math.max(1, Math.floor(burst * 0.04));
  const capacity = Math.max(1, Math.floor(burst) - headroom);
  // One token per 1000/rate ms; above 100 req/s refill in batches every 10 ms to keep the timer sane.
  let interval = 1000 / ratePerSecond;
  let amount = 1;
  if (interval < 10) {
    amount = Math.floor(ratePerSecond / 100);
    interval = (1000 * amount) / ratePerSecond;
  }
  interval = Math.max(1, Math.round(interval));
  // Bottleneck checks the refill on its heartbeat; a coarse heartbeat would silently lower the rate.
  const heartbeatInterval = Math.max(2, Math.min(50, Math.floor(interval / 10)));
  return {
    reservoir: capacity,
    reservoirIncreaseAmount: amount,
    reservoirIncreaseInterval: interval,
    reservoirIncreaseMaximum: capacity,
    heartbeatInterval,
  };
}

/**
 * Client-side leaky bucket every call goes through (every attempt, including retries). With a shared budget
 * (the app: one per portal in PostgreSQL, bitrix-shared-budget.ts) every instance draws from the same bucket;
 * without one (a client on its own) the bucket is this process's (Bottleneck's reservoir).
 */
export class BitrixRateLimiter {
  private readonly limiter: Bottleneck;
  readonly settings: BitrixReservoirSettings;

  constructor(
    options: BitrixRateLimiterOptions,
    private readonly shared?: SharedBitrixBudget,
  ) {
    this.settings = reservoirSettingsFor(options);
    this.limiter = new Bottleneck({ ...this.settings, maxConcurrent: null, minTime: 0 });
  }

  /** Runs `task` once a token is available. */
  async schedule<T>(task: () => Promise<T>): Promise<T> {
    if (!this.shared) return this.limiter.schedule(task);
    await this.shared.take();
    return task();
  }

  /**
   * The portal said QUERY_LIMIT_EXCEEDED: its bucket is fuller than ours thinks (another process shares the
   * portal, or clocks drifted). Empty the bucket so every queued call waits for the refill, not just the one
   * retrying: the shared one for every instance, else this process's.
   */
  async drain(): Promise<void> {
    if (this.shared) return this.shared.exhaust();
    const current = await this.limiter.currentReservoir();
    if (current && current > 0) await this.limiter.incrementReservoir(-current);
  }

  /** Calls waiting for a token. */
  queued(): number {
    return this.limiter.counts().QUEUED;
  }

  async currentTokens(): Promise<number | null> {
    return this.limiter.currentReservoir();
  }

  async stop(): Promise<void> {
    await this.limiter.disconnect();
    await this.shared?.close();
  }
}
