import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import type PgBoss from 'pg-boss';
import type { EntityManager } from 'typeorm';

/** Advisory-lock class of webhook job leases (first key of the two-key form; the second is hashtext(job id)). */
export const JOB_LEASE_LOCK_CLASS = 728_130_552;

/**
 * Leases on the jobs this instance has taken, held as PostgreSQL session advisory locks on a connection of
 * its own. A lock lives exactly as long as the instance's session: when the process dies (SIGKILL, a crash,
 * a lost machine), PostgreSQL ends the session and the locks go with it, within the time the kernel or TCP
 * keepalive takes to close the socket. So "its owner is dead" is "its lease lock is free", and any instance
 * can tell at once, without heartbeats, clocks or an expiry long enough for the slowest healthy job.
 * (Used by WebhookQueueService and NotificationQueue: leases taken at fetch, released at complete/fail,
 * orphans found by findOrphanedJobs and re-queued.) Calls go one at a time: they share one connection, and
 * workers fetch and complete in parallel.
 */
export class JobLeases {
  private readonly logger = new Logger(JobLeases.name);
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** Jobs leased on the current session: re-taken if the session is lost and opened again. */
  private readonly held = new Set<string>();
  private closed = false;
  private calls: Promise<unknown> = Promise.resolve();

  constructor(private readonly connectionString: string) {}

  hold(jobIds: string[]): Promise<void> {
    if (!jobIds.length) return Promise.resolve();
    for (const id of jobIds) this.held.add(id);
    return this.inTurn(async () => lock(await this.session(), jobIds));
  }

  release(jobIds: string[]): Promise<void> {
    const owned = jobIds.filter((id) => this.held.delete(id));
    if (!owned.length) return Promise.resolve();
    return this.inTurn(async () => {
      await this.client
        ?.query('SELECT pg_advisory_unlock($1, hashtext(id)) FROM unnest($2::text[]) AS id', [JOB_LEASE_LOCK_CLASS, owned])
        .catch((error: Error) => this.logger.warn(`Could not release ${owned.length} job lease(s): ${error.message}`));
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private inTurn(call: () => Promise<void>): Promise<void> {
    const next = this.calls.then(call, call);
    this.calls = next.catch(() => undefined);
    return next;
  }

  private session(): Promise<Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(): Promise<Client> {
    const client = new Client({ connectionString: this.connectionString, application_name: 'helpdesk-job-leases', keepAlive: true });
    client.on('error', (error: Error) => {
      // The session (and every lease on it) is gone: the next hold opens a new one and re-takes them.
      if (this.client === client) this.client = undefined;
      if (!this.closed) this.logger.warn(`Job lease session lost (${error.message}); leases are re-taken on the next fetch`);
    });
    await client.connect();
    if (this.held.size) await lock(client, [...this.held]);
    this.client = client;
    return client;
  }
}

/**
 * Try-lock, never wait: a key already locked elsewhere is another job whose id hashes alike (hashtext is 32
 * bits), whose live owner then shields ours too. Waiting would stall this instance behind someone else's job.
 */
async function lock(client: Client, jobIds: string[]): Promise<void> {
  await client.query('SELECT pg_try_advisory_lock($1, hashtext(id)) FROM unnest($2::text[]) AS id', [JOB_LEASE_LOCK_CLASS, jobIds]);
}

/**
 * Active jobs of these queues whose instance is gone: started more than `graceSeconds` ago (a fetch leases its
 * jobs within milliseconds) and whose lease lock is free. The probe takes each found job's lease key for the
 * transaction of `em`, so the caller re-queues them there and no other reaper takes the same job.
 */
export async function findOrphanedJobs(em: EntityManager, schema: string, queues: readonly string[], graceSeconds: number): Promise<{ id: string; name: string }[]> {
  // MATERIALIZED: the lock probe runs only on candidates, never on rows another condition would reject.
  return (await em.query(
    `WITH candidates AS MATERIALIZED (
       SELECT id::text AS id, name FROM ${schema}.job
       WHERE name = ANY($1::text[]) AND state = 'active' AND started_on < now() - make_interval(secs => $2)
       LIMIT 5000)
     SELECT id, name FROM candidates WHERE pg_try_advisory_xact_lock($3, hashtext(id))`,
    [queues, graceSeconds, JOB_LEASE_LOCK_CLASS],
  )) as { id: string; name: string }[];
}

/** pg-boss's fail of many jobs with an output (manager.fail takes ids[] and data; its typings declare one of the two). */
export async function failJobs(boss: PgBoss, queue: string, ids: string[], message: string, db?: PgBoss.Db): Promise<void> {
  const failMany = boss.fail.bind(boss) as unknown as (name: string, ids: string[], data: object, options?: { db: PgBoss.Db }) => Promise<void>;
  await failMany(queue, ids, { message: message.slice(0, 2000) }, db ? { db } : undefined);
}

/** pg-boss statements run inside a TypeORM transaction, so they commit or roll back with it. */
export function inTransaction(em: EntityManager): PgBoss.Db {
  return { executeSql: async (text: string, values: unknown[]) => ({ rows: (await em.query(text, values)) as unknown[] }) } as PgBoss.Db;
}
