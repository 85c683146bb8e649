import { Pool } from 'pg';

export interface SharedBudgetOptions {
  /** Drain rate of the portal's leaky bucket, requests per second. */
  ratePerSecond: number;
  /** Requests the bucket holds (after our headroom): how many may go at once after a quiet period. */
  capacity: number;
}

/**
 * The portal's leaky bucket as one budget for every instance, kept in PostgreSQL (table bitrix_rate_budget)
 * with the generic cell rate algorithm (GCRA), which is the leaky bucket stated as one timestamp: `tat`, the
 * moment the bucket would be empty. A request may go when `max(tat, now) - now` is at most
 * (capacity - 1) × interval, and then pushes `tat` one interval on. One UPDATE under a row lock decides and
 * books it, so N instances together never send faster than the portal drains, and one busy instance may use
 * the whole budget when the others are idle. QUERY_LIMIT_EXCEEDED from any instance marks the bucket full
 * (`exhaust`), which slows every instance, not only the one that was refused.
 */
export class SharedBitrixBudget {
  private readonly intervalSeconds: number;
  private readonly toleranceSeconds: number;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly portal: string,
    private readonly options: SharedBudgetOptions,
  ) {
    this.intervalSeconds = 1 / options.ratePerSecond;
    this.toleranceSeconds = (Math.max(1, options.capacity) - 1) * this.intervalSeconds;
  }

  /** Waits until this instance may send one request to the portal, and books it. */
  async take(): Promise<void> {
    await this.ensureRow();
    for (;;) {
      const { rows } = await this.pool.query<{ wait_ms: number }>(
        `WITH bucket AS (
           SELECT greatest(tat, clock_timestamp()) AS start, clock_timestamp() AS now FROM bitrix_rate_budget WHERE portal = $1 FOR UPDATE),
         booked AS (
           UPDATE bitrix_rate_budget b SET tat = bucket.start + make_interval(secs => $2)
           FROM bucket WHERE b.portal = $1 AND bucket.start - bucket.now <= make_interval(secs => $3)
           RETURNING 1)
         SELECT CASE WHEN EXISTS (SELECT 1 FROM booked) THEN 0
                     ELSE ceil(extract(epoch FROM (start - now)) * 1000 - $3 * 1000)::int END AS wait_ms
         FROM bucket`,
        [this.portal, this.intervalSeconds, this.toleranceSeconds],
      );
      const waitMs = rows[0]?.wait_ms ?? 0;
      if (waitMs <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, Math.max(5, waitMs)));
    }
  }

  /** The portal said its bucket is full: every instance waits until it has drained. */
  async exhaust(): Promise<void> {
    await this.ensureRow();
    await this.pool.query(
      `UPDATE bitrix_rate_budget SET tat = greatest(tat, clock_timestamp() + make_interval(secs => $2)) WHERE portal = $1`,
      [this.portal, this.toleranceSeconds + this.intervalSeconds],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private ensureRow(): Promise<void> {
    this.ensured ??= this.pool
      .query('INSERT INTO bitrix_rate_budget (portal) VALUES ($1) ON CONFLICT (portal) DO NOTHING', [this.portal])
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ensured = undefined;
        throw error;
      });
    return this.ensured;
  }
}
