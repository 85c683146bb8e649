import { plainToInstance, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, validateSync } from 'class-validator';
import { IsBooleanSetting, parseBooleanSetting } from '../config/boolean-setting';

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
  /** Last resort: an active job not finished within this time goes back to the queue (pg-boss expiry). */
  jobExpireSeconds!: number;
  /** A job whose instance died (its lease is free) is re-queued once it has been active this long... */
  orphanGraceSeconds!: number;
  /** ...checked this often by every instance with workers. */
  orphanCheckSeconds!: number;
  /** How often pg-boss maintenance (expiry, archiving) runs. */
  maintenanceSeconds!: number;
  /** Cron of the reconciliation job (pg-boss schedule), or null when disabled (`off`; the default when NODE_ENV=test). */
  reconcileCron!: string | null;
  /** How far back the scheduled reconciliation looks. */
  reconcileLookbackHours!: number;
  /** `all` mirrors every deal an event names; `helpdesk` only deals of the configured pipeline. */
  mirrorScope!: 'all' | 'helpdesk';

  /** From the environment alone (the webhook's settings only); throws an Error naming each bad variable. */
  static fromEnv(env: Record<string, string | undefined> = process.env): WebhookSettings {
    const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''));
    const parsed = plainToInstance(WebhookEnvSchema, present, { exposeDefaultValues: true });
    const problems = validateSync(parsed).map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got ${JSON.stringify(e.value)})`);
    if (problems.length) throw new Error(problems.join('\n'));
    return WebhookSettings.fromParsed(parsed, env.NODE_ENV);
  }

  /** From settings the config loader validated already (its schema extends WebhookEnvSchema). */
  static fromParsed(parsed: WebhookEnvSchema, nodeEnv: string | undefined): WebhookSettings {
    const s = new WebhookSettings();
    s.workers = parseBooleanSetting(parsed.WEBHOOK_WORKERS, true) ?? true;
    s.coalesceQuietMs = parsed.WEBHOOK_COALESCE_QUIET_MS;
    s.coalesceMaxWaitMs = parsed.WEBHOOK_COALESCE_MAX_WAIT_MS;
    s.pollMs = parsed.WEBHOOK_POLL_MS;
    s.fetchBatch = parsed.WEBHOOK_FETCH_BATCH;
    s.maxHeldJobs = parsed.WEBHOOK_MAX_HELD_JOBS;
    s.retryLimit = parsed.WEBHOOK_RETRY_LIMIT;
    s.retryDelaySeconds = parsed.WEBHOOK_RETRY_DELAY_SECONDS;
    s.jobExpireSeconds = parsed.WEBHOOK_JOB_EXPIRE_SECONDS;
    s.orphanGraceSeconds = parsed.WEBHOOK_ORPHAN_GRACE_SECONDS;
    s.orphanCheckSeconds = parsed.WEBHOOK_ORPHAN_CHECK_SECONDS;
    s.maintenanceSeconds = parsed.WEBHOOK_QUEUE_MAINTENANCE_SECONDS;
    // Off by default under jest, so a cron tick never adds Bitrix requests to another suite's counts.
    const cron = (parsed.WEBHOOK_RECONCILE_CRON ?? (nodeEnv === 'test' ? 'off' : '*/15 * * * *')).trim();
    s.reconcileCron = cron === 'off' ? null : cron;
    s.reconcileLookbackHours = parsed.WEBHOOK_RECONCILE_LOOKBACK_HOURS;
    s.mirrorScope = parsed.WEBHOOK_MIRROR_SCOPE as WebhookSettings['mirrorScope'];
    return s;
  }
}

/**
 * The webhook pipeline's environment variables, each declared once, with its type, bounds and default
 * (documented in .env.example). The app's env schema (config/config.loader.ts) extends this class, so they
 * are validated at start-up with every other setting.
 */
export class WebhookEnvSchema {
  @IsOptional() @IsBooleanSetting() WEBHOOK_WORKERS?: string;
  @Type(() => Number) @IsInt() @Min(0) @Max(60_000) WEBHOOK_COALESCE_QUIET_MS: number = 400;
  @Type(() => Number) @IsInt() @Min(0) @Max(120_000) WEBHOOK_COALESCE_MAX_WAIT_MS: number = 5_000;
  @Type(() => Number) @IsInt() @Min(20) @Max(60_000) WEBHOOK_POLL_MS: number = 250;
  @Type(() => Number) @IsInt() @Min(1) @Max(5_000) WEBHOOK_FETCH_BATCH: number = 500;
  @Type(() => Number) @IsInt() @Min(1) @Max(100_000) WEBHOOK_MAX_HELD_JOBS: number = 5_000;
  @Type(() => Number) @IsInt() @Min(0) @Max(100) WEBHOOK_RETRY_LIMIT: number = 10;
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600) WEBHOOK_RETRY_DELAY_SECONDS: number = 5;
  @Type(() => Number) @IsInt() @Min(1) @Max(86_400) WEBHOOK_JOB_EXPIRE_SECONDS: number = 300;
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600) WEBHOOK_ORPHAN_GRACE_SECONDS: number = 10;
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600) WEBHOOK_ORPHAN_CHECK_SECONDS: number = 5;
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600) WEBHOOK_QUEUE_MAINTENANCE_SECONDS: number = 30;
  /** A 5-field cron expression or `off`; default every 15 minutes (`off` when NODE_ENV=test). */
  @IsOptional() @Matches(/^\s*(off|\S+(\s+\S+){4})\s*$/, { message: '$property must be a 5-field cron expression or "off"' }) WEBHOOK_RECONCILE_CRON?: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(24 * 365) WEBHOOK_RECONCILE_LOOKBACK_HOURS: number = 24;
  @IsIn(['all', 'helpdesk']) WEBHOOK_MIRROR_SCOPE: string = 'all';
}
