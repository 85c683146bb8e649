import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { WebhookJobData, WebhookObjectKind } from './webhook-event';
import { WebhookSettings } from './webhook-settings';
import { MetricsService } from '../metrics/metrics.service';
import { JobLeases, failJobs, findOrphanedJobs, inTransaction } from './job-leases';

/** pg-boss queue of accepted webhook events (one job per event). */
export const WEBHOOK_QUEUE = 'bitrix-webhook-event';
/** pg-boss queue of the scheduled reconciliation (one job per cron tick, whichever instance takes it). */
export const RECONCILE_QUEUE = 'bitrix-reconcile';
const SCHEMA = 'pgboss';

/** An accepted event as the intake writes it to the inbox. */
export interface InboxEvent {
  event: string;
  kind: WebhookObjectKind;
  bitrixId: number;
  ts: number | null;
  /** W3C trace context of the intake's span, carried to the job; null when tracing is off. */
  traceparent: string | null;
}

/** Serialises orphan recovery across instances (one reaper at a time, so a job is re-queued once). */
const ORPHAN_REAPER_LOCK = 728_130_553;

/** Trace contexts one job keeps: a burst of events about one object links to its first ones only. */
const MAX_JOB_TRACEPARENTS = 16;

/** Most events one inbox INSERT carries (a burst beyond it takes several statements in a row). */
const INBOX_BATCH_MAX = 500;

export interface QueuedJob {
  id: string;
  data: WebhookJobData;
}

export interface FailedJobRow {
  id: string;
  data: WebhookJobData;
  output: unknown;
  retryCount: number;
  createdOn: Date;
  completedOn: Date | null;
  archived: boolean;
}

/**
 * The PostgreSQL-backed job queue (pg-boss) behind the webhook: the intake writes a job before answering
 * OK, workers on any instance fetch with SKIP LOCKED, failures retry with exponential backoff and jitter.
 * Every job an instance takes is leased (job-leases.ts) until it completes or fails; a job whose instance
 * died is found by any other instance within `orphanGraceSeconds` + a check interval and goes back to the
 * queue, while a slow but live job keeps its lease. `jobExpireSeconds` stays as the last resort (pg-boss).
 */
@Injectable()
export class WebhookQueueService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookQueueService.name);
  private boss!: PgBoss;
  private readonly inboxQueue: { event: InboxEvent; resolve: () => void; reject: (error: Error) => void }[] = [];
  private inboxWriting = false;
  private leases!: JobLeases;
  private orphanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: WebhookSettings,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.metrics.registerGauge('webhook_inbox_pending', 'Acknowledged Bitrix24 events not yet handed to the job queue', () => this.inboxBacklog());
    this.metrics.registerGauge('webhook_queue_jobs', 'Webhook jobs in the queue by state', () => this.countByState(), 'state');
    this.boss = new PgBoss({
      connectionString: this.config.database.url,
      schema: SCHEMA,
      max: 4,
      application_name: 'helpdesk-webhook-queue',
      maintenanceIntervalSeconds: this.settings.maintenanceSeconds,
      // Failed events stay listable (and replayable) for 30 days before pg-boss archives them.
      archiveFailedAfterSeconds: 30 * 24 * 3600,
      schedule: this.settings.reconcileCron !== null && this.settings.workers,
      supervise: true,
      migrate: true,
    });
    this.boss.on('error', (error: Error) => this.logger.error(`pg-boss: ${error.message}`));
    await this.boss.start();
    const queueOptions = {
      name: WEBHOOK_QUEUE,
      policy: 'standard' as const,
      retryLimit: this.settings.retryLimit,
      retryDelay: this.settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: this.settings.jobExpireSeconds,
    };
    await this.boss.createQueue(WEBHOOK_QUEUE, queueOptions);
    await this.boss.updateQueue(WEBHOOK_QUEUE, queueOptions);
    const reconcileOptions = { name: RECONCILE_QUEUE, policy: 'standard' as const, retryLimit: 1, retryDelay: 60, expireInSeconds: 3600 };
    await this.boss.createQueue(RECONCILE_QUEUE, reconcileOptions);
    await this.boss.updateQueue(RECONCILE_QUEUE, reconcileOptions);
    this.leases = new JobLeases(this.config.database.url);
    if (this.settings.workers) {
      this.orphanTimer = setInterval(() => {
        this.recoverOrphans().catch((error: Error) => this.logger.warn(`Orphaned job check failed: ${error.message}`));
      }, this.settings.orphanCheckSeconds * 1000);
      this.orphanTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.orphanTimer);
    await this.boss?.stop({ graceful: true, wait: true, timeout: 5000 }).catch((error: Error) => this.logger.warn(`pg-boss stop: ${error.message}`));
    // Jobs still held are released with the session: other instances take them up at their next check.
    await this.leases?.close();
  }

  /**
   * Re-queues the active jobs whose instance is gone: started more than `orphanGraceSeconds` ago (a fetch
   * leases its jobs within milliseconds) and whose lease lock is free. pg-boss's own fail() puts each back as
   * a retry (with its backoff), in the transaction that found it; returns how many were recovered.
   */
  async recoverOrphans(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const [{ reaper }] = (await em.query('SELECT pg_try_advisory_xact_lock($1) AS reaper', [ORPHAN_REAPER_LOCK])) as { reaper: boolean }[];
      if (!reaper) return 0;
      const orphans = await findOrphanedJobs(em, SCHEMA, [WEBHOOK_QUEUE], this.settings.orphanGraceSeconds);
      if (!orphans.length) return 0;
      await this.failJobs(orphans.map((o) => o.id), 'the instance processing it stopped; re-queued', inTransaction(em));
      this.logger.warn(`Re-queued ${orphans.length} webhook job(s) left active by an instance that stopped`);
      return orphans.length;
    });
  }

  /**
   * The intake's durable write into the small `webhook_inbox` table (cheaper than a pg-boss insert, which
   * matters when Bitrix posts a mass update one event at a time). Resolves once the row is committed.
   * Group commit: while one INSERT is in flight, the events that arrive meanwhile wait and go together in
   * the next one, so under a burst many acknowledgements share one statement and one WAL flush, and a
   * lone event is written at once. A failed INSERT fails every event of its batch and stores none.
   */
  acceptIntoInbox(event: InboxEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.inboxQueue.push({ event, resolve, reject });
      if (!this.inboxWriting) void this.writeInbox();
    });
  }

  private async writeInbox(): Promise<void> {
    this.inboxWriting = true;
    while (this.inboxQueue.length) {
      const batch = this.inboxQueue.splice(0, INBOX_BATCH_MAX);
      const rows = batch.map((waiting) => waiting.event);
      try {
        await this.dataSource.query(
          'INSERT INTO webhook_inbox (event, kind, bitrix_id, ts, traceparent) SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::bigint[], $4::bigint[], $5::varchar[])',
          [rows.map((r) => r.event), rows.map((r) => r.kind), rows.map((r) => r.bitrixId), rows.map((r) => r.ts), rows.map((r) => r.traceparent)],
        );
        for (const waiting of batch) waiting.resolve();
      } catch (error) {
        this.logger.error(`Inbox INSERT of ${batch.length} event(s) failed: ${(error as Error).message}`);
        for (const waiting of batch) waiting.reject(error as Error);
      }
    }
    this.inboxWriting = false;
  }

  /**
   * Moves up to `limit` inbox rows into the pg-boss queue in one transaction (DELETE ... SKIP LOCKED and
   * the job INSERT commit together), so every acknowledged event is at any time either in the inbox or a job.
   * Events about the same object become one job: each only means "re-read this object" (see
   * WEBHOOK_EVENT_KINDS), so a burst on one deal costs the queue one job, not one per event. The job keeps
   * the trace contexts of its events (`traceparents`, at most MAX_JOB_TRACEPARENTS), oldest first.
   * Returns the number of events moved.
   */
  async relayInbox(limit: number): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const rows: { event: string; kind: WebhookJobData['kind']; bitrix_id: string; ts: string | null; received_at: Date; traceparent: string | null }[] = await em.query(
        `WITH moved AS (
           DELETE FROM webhook_inbox WHERE id IN (SELECT id FROM webhook_inbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
           RETURNING id, event, kind, bitrix_id, ts, received_at, traceparent)
         SELECT event, kind, bitrix_id, ts, received_at, traceparent FROM moved ORDER BY id`,
        [limit],
      );
      if (!rows.length) return 0;
      const byObject = new Map<string, WebhookJobData>();
      for (const row of rows) {
        const key = `${row.kind}:${row.bitrix_id}`;
        const first = byObject.get(key);
        const ts = row.ts === null ? null : Number(row.ts);
        if (first) {
          // The latest event names the job; receivedAt stays the first one's (how long the object has waited).
          Object.assign(first, { event: row.event, ts: ts ?? first.ts, events: (first.events ?? 1) + 1 });
          if (row.traceparent && (first.traceparents?.length ?? 0) < MAX_JOB_TRACEPARENTS) first.traceparents = [...(first.traceparents ?? []), row.traceparent];
        } else {
          const data: WebhookJobData = { event: row.event, kind: row.kind, bitrixId: Number(row.bitrix_id), receivedAt: row.received_at.toISOString(), ts };
          // Only with tracing on: an untraced event's job data stays as it was.
          if (row.traceparent) data.traceparents = [row.traceparent];
          byObject.set(key, data);
        }
      }
      const jobs = [...byObject.values()].map((data) => ({ name: WEBHOOK_QUEUE, data }));
      await this.boss.insert(jobs, { db: inTransaction(em) });
      return rows.length;
    });
  }

  /** Writes one event straight into the queue (admin replay); returns the job id. */
  async enqueue(data: WebhookJobData): Promise<string> {
    const id = await this.boss.send(WEBHOOK_QUEUE, data);
    if (!id) throw new Error('pg-boss did not create the webhook job');
    return id;
  }

  /** Marks up to `batchSize` waiting jobs active for this instance and returns them. */
  async fetch(batchSize: number): Promise<QueuedJob[]> {
    const jobs = await this.boss.fetch<WebhookJobData>(WEBHOOK_QUEUE, { batchSize });
    await this.leases.hold(jobs.map((job) => job.id));
    return jobs.map((job) => ({ id: job.id, data: job.data }));
  }

  async complete(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.boss.complete(WEBHOOK_QUEUE, ids);
    await this.leases.release(ids);
  }

  /** Retries later with backoff, or moves to `failed` after the last retry. */
  async fail(ids: string[], message: string): Promise<void> {
    if (!ids.length) return;
    await this.failJobs(ids, message);
    await this.leases.release(ids);
  }

  private failJobs(ids: string[], message: string, db?: PgBoss.Db): Promise<void> {
    return failJobs(this.boss, WEBHOOK_QUEUE, ids, message, db);
  }

  /** Failed events, newest first, from the live table and the archive. */
  async listFailed(limit: number, offset: number): Promise<{ total: number; items: FailedJobRow[] }> {
    const db = this.boss.getDb();
    const union = `
      SELECT id, data, output, retry_count, created_on, completed_on, false AS archived FROM ${SCHEMA}.job WHERE name = $1 AND state = 'failed'
      UNION ALL
      SELECT id, data, output, retry_count, created_on, completed_on, true AS archived FROM ${SCHEMA}.archive WHERE name = $1 AND state = 'failed'`;
    const count = await db.executeSql(`SELECT count(*)::int AS n FROM (${union}) f`, [WEBHOOK_QUEUE]);
    const rows = await db.executeSql(`${union} ORDER BY completed_on DESC NULLS LAST, id LIMIT $2 OFFSET $3`, [WEBHOOK_QUEUE, limit, offset]);
    return { total: (count.rows[0] as { n: number }).n, items: rows.rows.map(toFailedRow) };
  }

  async findFailed(id: string): Promise<FailedJobRow | null> {
    const db = this.boss.getDb();
    const { rows } = await db.executeSql(
      `SELECT id, data, output, retry_count, created_on, completed_on, false AS archived FROM ${SCHEMA}.job WHERE name = $1 AND id = $2 AND state = 'failed'
       UNION ALL
       SELECT id, data, output, retry_count, created_on, completed_on, true AS archived FROM ${SCHEMA}.archive WHERE name = $1 AND id = $2 AND state = 'failed'`,
      [WEBHOOK_QUEUE, id],
    );
    return rows.length ? toFailedRow(rows[0]) : null;
  }

  /**
   * Queues a fresh copy of a failed event (full retry budget) and removes the failed one, so a replayed
   * event is listed once. The copy is written first: a crash in between leaves a duplicate, never a loss.
   */
  async replay(failed: FailedJobRow): Promise<string> {
    const copy: WebhookJobData = { ...failed.data, replayOf: failed.id };
    const newId = await this.enqueue(copy);
    if (failed.archived) await this.boss.getDb().executeSql(`DELETE FROM ${SCHEMA}.archive WHERE name = $1 AND id = $2`, [WEBHOOK_QUEUE, failed.id]);
    else await this.boss.deleteJob(WEBHOOK_QUEUE, failed.id);
    return newId;
  }

  /** Counts of the webhook queue by state (for tests, benchmarks and health). */
  /** Events acknowledged but not yet relayed into pg-boss. */
  async inboxBacklog(): Promise<number> {
    const rows: { n: number }[] = await this.dataSource.query('SELECT count(*)::int AS n FROM webhook_inbox');
    return rows[0].n;
  }

  async countByState(): Promise<Record<string, number>> {
    const { rows } = await this.boss.getDb().executeSql(`SELECT state::text AS state, count(*)::int AS n FROM ${SCHEMA}.job WHERE name = $1 GROUP BY state`, [WEBHOOK_QUEUE]);
    return Object.fromEntries((rows as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  }

  /** Schedules the reconciliation (cron, portal-wide: pg-boss sends one job per tick whatever the instance count). */
  async scheduleReconciliation(cron: string, handler: () => Promise<void>): Promise<void> {
    await this.boss.schedule(RECONCILE_QUEUE, cron, {}, { tz: 'UTC' });
    await this.boss.work(RECONCILE_QUEUE, { batchSize: 1, pollingIntervalSeconds: 30 }, async () => handler());
  }

  async unscheduleReconciliation(): Promise<void> {
    await this.boss.unschedule(RECONCILE_QUEUE).catch(() => undefined);
  }
}

function toFailedRow(row: Record<string, unknown>): FailedJobRow {
  return {
    id: String(row.id),
    data: row.data as WebhookJobData,
    output: row.output ?? null,
    retryCount: Number(row.retry_count ?? 0),
    createdOn: row.created_on as Date,
    completedOn: (row.completed_on as Date | null) ?? null,
    archived: row.archived === true,
  };
}
