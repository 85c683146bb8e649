import { Logger } from '@nestjs/common';
import { Client } from 'pg';

/** Advisory-lock class of webhook job leases (first key of the two-key form; the second is hashtext(job id)). */
export const JOB_LEASE_LOCK_CLASS = 728_130_552;

/**
 * Leases on the jobs this instance has taken, held as PostgreSQL session advisory locks on a connection of
 * its own. A lock lives exactly as long as the instance's session: when the process dies (SIGKILL, a crash,
 * a lost machine), PostgreSQL ends the session and the locks go with it, within the time the kernel or TCP
 * keepalive takes to close the socket. So "its owner is dead" is "its lease lock is free", and any instance
 * can tell at once, without heartbeats, clocks or an expiry long enough for the slowest healthy job.
 * (Used by WebhookQueueService: leases taken at fetch, released at complete/fail, orphans re-queued.)
 */
export class JobLeases {
  private readonly logger = new Logger(JobLeases.name);
  private client: Client | undefined;
  private connecting: Promise<Client> | undefined;
  /** Jobs leased on the current session: re-taken if the session is lost and opened again. */
  private readonly held = new Set<string>();
  private closed = false;

  constructor(private readonly connectionString: string) {}

  async hold(jobIds: string[]): Promise<void> {
    if (!jobIds.length) return;
    for (const id of jobIds) this.held.add(id);
    await lock(await this.session(), jobIds);
  }

  async release(jobIds: string[]): Promise<void> {
    const owned = jobIds.filter((id) => this.held.delete(id));
    if (!owned.length || !this.client) return;
    await this.client
      .query('SELECT pg_advisory_unlock($1, hashtext(id)) FROM unnest($2::text[]) AS id', [JOB_LEASE_LOCK_CLASS, owned])
      .catch((error: Error) => this.logger.warn(`Could not release ${owned.length} job lease(s): ${error.message}`));
  }

  async close(): Promise<void> {
    this.closed = true;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
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
