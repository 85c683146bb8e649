import { readBooleanSetting } from '../config/boolean-setting';

/**
 * Tuning of the webhook pipeline (queue, coalescing, reconciliation). Part of AppConfig (`config.webhook`),
 * built by the config loader from the same env; every value has a default, and a malformed one stops the
 * boot with a message naming the variable.
 */
export class WebhookSettings {
  /** Run the queue workers on this instance (`false`: intake only, e.g. an API-only node). */
  workers!: boolean;
  /** A coalesced Bitrix read waits until no event for the object arrived for this long... */
  coalesceQuietMs!: number;
  /** ...or until the oldest pending event is this old. */
  coalesceMaxWaitMs!: number;
  /** How often an idle worker polls the queue. */
  pollMs!: number;
  /** Jobs fetched per poll, and the most jobs held (active) at once by one instance. */
  fetchBatch!: number;
  maxHeldJobs!: number;
  /** pg-boss retries per job before it lands in `failed`; first delay (doubled each time, with jitter). */
  retryLimit!: number;
  retryDelaySeconds!: number;
  /** An active job not finished within this time (instance killed) goes back to the queue. */
  jobExpireSeconds!: number;
  /** How often pg-boss maintenance (expiry, archiving) runs. */
  maintenanceSeconds!: number;
  /** Cron of the reconciliation job (pg-boss schedule), or null when disabled (`off`; the default when NODE_ENV=test). */
  reconcileCron!: string | null;
  /** How far back the scheduled reconciliation looks. */
  reconcileLookbackHours!: number;
  /** `all` mirrors every deal an event names; `helpdesk` only deals of the configured pipeline. */
  mirrorScope!: 'all' | 'helpdesk';

  static fromEnv(env: Record<string, string | undefined> = process.env): WebhookSettings {
    const s = new WebhookSettings();
    s.workers = readBooleanSetting(env, 'WEBHOOK_WORKERS', true);
    s.coalesceQuietMs = int(env, 'WEBHOOK_COALESCE_QUIET_MS', 400, 0, 60_000);
    s.coalesceMaxWaitMs = int(env, 'WEBHOOK_COALESCE_MAX_WAIT_MS', 5_000, 0, 120_000);
    s.pollMs = int(env, 'WEBHOOK_POLL_MS', 250, 20, 60_000);
    s.fetchBatch = int(env, 'WEBHOOK_FETCH_BATCH', 500, 1, 5_000);
    s.maxHeldJobs = int(env, 'WEBHOOK_MAX_HELD_JOBS', 5_000, 1, 100_000);
    s.retryLimit = int(env, 'WEBHOOK_RETRY_LIMIT', 10, 0, 100);
    s.retryDelaySeconds = int(env, 'WEBHOOK_RETRY_DELAY_SECONDS', 5, 1, 3_600);
    s.jobExpireSeconds = int(env, 'WEBHOOK_JOB_EXPIRE_SECONDS', 300, 1, 86_400);
    s.maintenanceSeconds = int(env, 'WEBHOOK_QUEUE_MAINTENANCE_SECONDS', 30, 1, 3_600);
    // Off by default under jest, so a cron tick never adds Bitrix requests to another suite's counts.
    const cron = (env.WEBHOOK_RECONCILE_CRON ?? (env.NODE_ENV === 'test' ? 'off' : '*/15 * * * *')).trim();
    if (cron !== 'off' && cron.split(/\s+/).length !== 5) throw new Error(`WEBHOOK_RECONCILE_CRON must be a 5-field cron expression or "off" (got ${JSON.stringify(cron)})`);
    s.reconcileCron = cron === 'off' ? null : cron;
    s.reconcileLookbackHours = int(env, 'WEBHOOK_RECONCILE_LOOKBACK_HOURS', 24, 1, 24 * 365);
    const scope = (env.WEBHOOK_MIRROR_SCOPE ?? 'all').trim();
    if (scope !== 'all' && scope !== 'helpdesk') throw new Error(`WEBHOOK_MIRROR_SCOPE must be "all" or "helpdesk" (got ${JSON.stringify(scope)})`);
    s.mirrorScope = scope;
    return s;
  }
}

function int(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}
