import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import PgBoss from 'pg-boss';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { JobLeases, failJobs, findOrphanedJobs, inTransaction } from '../webhook/job-leases';

/** One job per notification event: work out its destinations (notification_deliveries rows). */
export const FANOUT_QUEUE = 'notification-fanout';
/** One job per delivery attempt of one destination. */
export const DELIVERY_QUEUE = 'notification-delivery';
/** One job per SLA check tick (whichever instance takes it). */
export const SLA_QUEUE = 'notification-sla-watch';
export const NOTIFICATION_QUEUES = [FANOUT_QUEUE, DELIVERY_QUEUE, SLA_QUEUE] as const;
export type NotificationQueueName = (typeof NOTIFICATION_QUEUES)[number];

const SCHEMA = 'pgboss';
/** Serialises orphan recovery of notification jobs across instances (the webhook's reaper has its own key). */
const ORPHAN_REAPER_LOCK = 728_130_554;

export interface NotificationJob<T> {
  id: string;
  data: T;
}

/**
 * The pg-boss queues of the outbox, set up as the webhook's (same `pgboss` schema): jobs are inserted in the
 * transaction that writes the rows they are about, workers fetch with SKIP LOCKED and lease what they take
 * (job-leases.ts), and a job whose instance died is re-queued by any other instance once its lease is free.
 * pg-boss retries (a few, with backoff) cover unexpected failures only (database down); delivery retries after
 * a receiver's 429/5xx are new jobs with `startAfter`, counted in notification_deliveries.
 */
@Injectable()
export class NotificationQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(NotificationQueue.name);
  private boss!: PgBoss;
  private leases!: JobLeases;
  private orphanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: AppConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  async onModuleInit(): Promise<void> {
    this.metrics.registerGauge('notification_queue_jobs', 'Notification jobs in pg-boss, as queue:state', () => this.countByState(), 'state');
    this.boss = new PgBoss({
      connectionString: this.config.database.url,
      schema: SCHEMA,
      max: 4,
      application_name: 'helpdesk-notification-queue',
      maintenanceIntervalSeconds: this.config.webhook.maintenanceSeconds,
      schedule: false,
      supervise: true,
      migrate: true,
    });
    this.boss.on('error', (error: Error) => this.logger.error(`pg-boss: ${error.message}`));
    await this.boss.start();
    for (const name of NOTIFICATION_QUEUES) {
      const options = { name, policy: 'standard' as const, retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 300 };
      await this.boss.createQueue(name, options);
      await this.boss.updateQueue(name, options);
    }
    this.leases = new JobLeases(this.config.database.url);
    if (this.config.notifications.workers) {
      this.orphanTimer = setInterval(() => {
        this.recoverOrphans().catch((error: Error) => this.logger.warn(`Orphaned notification job check failed: ${error.message}`));
      }, this.config.webhook.orphanCheckSeconds * 1000);
      this.orphanTimer.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.orphanTimer);
    await this.boss?.stop({ graceful: true, wait: true, timeout: 5000 }).catch((error: Error) => this.logger.warn(`pg-boss stop: ${error.message}`));
    await this.leases?.close();
  }

  /** Jobs written with the rows they are about (in `manager`'s transaction). */
  async insertInTransaction(manager: EntityManager, jobs: { name: NotificationQueueName; data: object; startAfter?: Date }[]): Promise<void> {
    if (!jobs.length) return;
    await this.boss.insert(
      jobs.map((job) => ({ name: job.name, data: job.data, ...(job.startAfter ? { startAfter: job.startAfter } : {}) })),
      { db: inTransaction(manager) },
    );
  }

  /** One job, at most once per `singletonSeconds` across instances (the SLA tick). */
  async sendThrottled(name: NotificationQueueName, singletonSeconds: number): Promise<void> {
    await this.boss.send(name, {}, { singletonKey: name, singletonSeconds });
  }

  async fetch<T>(name: NotificationQueueName, batchSize: number): Promise<NotificationJob<T>[]> {
    const jobs = await this.boss.fetch<T>(name, { batchSize });
    await this.leases.hold(jobs.map((job) => job.id));
    return jobs.map((job) => ({ id: job.id, data: job.data }));
  }

  async complete(name: NotificationQueueName, ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.boss.complete(name, ids);
    await this.leases.release(ids);
  }

  async fail(name: NotificationQueueName, ids: string[], message: string): Promise<void> {
    if (!ids.length) return;
    await failJobs(this.boss, name, ids, message);
    await this.leases.release(ids);
  }

  /** Active notification jobs whose instance is gone (lease free, started over the grace period) go back as retries. */
  async recoverOrphans(): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const [{ reaper }] = (await em.query('SELECT pg_try_advisory_xact_lock($1) AS reaper', [ORPHAN_REAPER_LOCK])) as { reaper: boolean }[];
      if (!reaper) return 0;
      const orphans = await findOrphanedJobs(em, SCHEMA, NOTIFICATION_QUEUES, this.config.webhook.orphanGraceSeconds);
      for (const name of NOTIFICATION_QUEUES) {
        const ids = orphans.filter((o) => o.name === name).map((o) => o.id);
        if (ids.length) await failJobs(this.boss, name, ids, 'the instance processing it stopped; re-queued', inTransaction(em));
      }
      if (orphans.length) this.logger.warn(`Re-queued ${orphans.length} notification job(s) left active by an instance that stopped`);
      return orphans.length;
    });
  }

  /** Jobs by queue and state (metrics, tests). */
  async countByState(): Promise<Record<string, number>> {
    const { rows } = await this.boss
      .getDb()
      .executeSql(`SELECT name || ':' || state::text AS key, count(*)::int AS n FROM ${SCHEMA}.job WHERE name = ANY($1::text[]) GROUP BY 1`, [NOTIFICATION_QUEUES]);
    return Object.fromEntries((rows as { key: string; n: number }[]).map((r) => [r.key, r.n]));
  }
}
