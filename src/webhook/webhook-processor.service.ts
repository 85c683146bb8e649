import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { contextFromTraceparent, linkTo, MAX_LISTED, SPAN_ATTRIBUTES, SpanOptions, inSpan } from '../common/spans';
import { MirrorSyncService, SyncResults, SyncTargets, syncKey } from './mirror-sync.service';
import { ReconciliationService } from './reconciliation.service';
import { WebhookObjectKind } from './webhook-event';
import { QueuedJob, WebhookQueueService } from './webhook-queue.service';
import { WebhookSettings } from './webhook-settings';

/** Events waiting, on this instance, for one coalesced re-read of their object. */
export interface PendingObject {
  kind: WebhookObjectKind;
  bitrixId: number;
  jobIds: string[];
  /** Trace contexts of the held jobs' events (WebhookJobData.traceparents), oldest first. */
  traceparents: string[];
  /** Acknowledged events the held jobs stand for. */
  events: number;
  firstAt: number;
}

const MIN_FETCH_SPACING_MS = 50;
const SHUTDOWN_FLUSH_MS = 10_000;

/**
 * The queue worker. It fetches jobs (SKIP LOCKED, so instances share the work) and holds them, grouped
 * by object, until the debounce window closes (see windowClosed); then one round re-reads every held
 * object with batched Bitrix calls. A burst of
 * UPDATEs for one deal thus costs one read, and a mass update of 100 deals two `batch` requests per window. Held jobs
 * stay `active` and leased (job-leases.ts): if this instance dies, another finds the dead lease within seconds and puts
 * them back in the queue, so an acknowledged event is never lost.
 */
@Injectable()
export class WebhookProcessor implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookProcessor.name);
  private readonly pending = new Map<string, PendingObject>();
  private heldJobs = 0;
  private running = false;
  private loopDone: Promise<void> | null = null;
  private round: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private lastFetchAt = 0;
  /** When this instance last fetched any job. */
  private lastArrivalAt = 0;

  constructor(
    private readonly queue: WebhookQueueService,
    private readonly sync: MirrorSyncService,
    private readonly reconciliation: ReconciliationService,
    private readonly settings: WebhookSettings,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.settings.workers) return;
    this.running = true;
    this.loopDone = this.loop();
    if (this.settings.reconcileCron) {
      const lookbackMs = this.settings.reconcileLookbackHours * 3600 * 1000;
      await this.queue.scheduleReconciliation(this.settings.reconcileCron, () =>
        // One trace per run, so its Bitrix calls and mirror writes are not each a trace of their own.
        inSpan('webhook.reconcile', { parent: ROOT_CONTEXT }, async () => {
          const summary = await this.reconciliation.run({ since: new Date(Date.now() - lookbackMs) });
          this.logger.log(`Scheduled reconciliation: ${JSON.stringify(summary)}`);
        }),
      );
    } else {
      await this.queue.unscheduleReconciliation();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loopDone;
    await this.round;
    // Process what this instance holds now rather than letting it wait for expiry; bounded, since Bitrix may be down.
    if (this.pending.size) {
      const flush = this.runRound([...this.pending.values()]);
      this.pending.clear();
      await Promise.race([flush, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_FLUSH_MS).unref())]);
    }
  }

  /** A new job was queued on this instance: poll soon. */
  wake(): void {
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      let fetched = 0;
      try {
        await this.queue.relayInbox(this.settings.fetchBatch * 2);
        const room = this.settings.maxHeldJobs - this.heldJobs;
        if (room > 0) {
          this.lastFetchAt = Date.now();
          const jobs = await this.queue.fetch(Math.min(this.settings.fetchBatch, room));
          fetched = jobs.length;
          this.hold(jobs);
        }
        this.startDueRound();
      } catch (error) {
        this.logger.error(`Webhook queue poll failed: ${(error as Error).message}`);
        await this.sleep(1000);
        continue;
      }
      if (fetched >= this.settings.fetchBatch) continue;
      await this.sleep(this.nextWakeIn());
      const sinceFetch = Date.now() - this.lastFetchAt;
      if (sinceFetch < MIN_FETCH_SPACING_MS) await this.sleep(MIN_FETCH_SPACING_MS - sinceFetch, false);
    }
  }

  private hold(jobs: QueuedJob[]): void {
    const now = Date.now();
    if (jobs.length) this.lastArrivalAt = now;
    for (const job of jobs) {
      const data = job.data;
      const key = syncKey(data.kind, data.bitrixId);
      const entry = this.pending.get(key);
      if (entry) {
        entry.jobIds.push(job.id);
        entry.events += data.events ?? 1;
        // More than a round can link to would only be dropped there.
        if (data.traceparents && entry.traceparents.length <= MAX_ROUND_LINKS) entry.traceparents.push(...data.traceparents);
      } else {
        this.pending.set(key, { kind: data.kind, bitrixId: data.bitrixId, jobIds: [job.id], traceparents: [...(data.traceparents ?? [])], events: data.events ?? 1, firstAt: now });
      }
      this.heldJobs += 1;
    }
  }

  /**
   * The window closes when the event stream has been quiet for `coalesceQuietMs` (a portal's mass update
   * sends events round-robin over many deals, so per-object quiet would rarely coalesce), or when the
   * oldest held event waited `coalesceMaxWaitMs`.
   */
  private windowClosed(now: number): boolean {
    if (!this.pending.size) return false;
    if (now - this.lastArrivalAt >= this.settings.coalesceQuietMs) return true;
    for (const entry of this.pending.values()) if (now - entry.firstAt >= this.settings.coalesceMaxWaitMs) return true;
    return false;
  }

  /** One round at a time, taking every held object; those getting events meanwhile wait for the next. */
  private startDueRound(): void {
    if (this.round || !this.windowClosed(Date.now())) return;
    const due = [...this.pending.values()];
    this.pending.clear();
    this.round = this.runRound(due).finally(() => {
      this.round = null;
      this.wake();
    });
  }

  private nextWakeIn(): number {
    let wait = this.settings.pollMs;
    if (this.round || !this.pending.size) return wait;
    const now = Date.now();
    wait = Math.min(wait, Math.max(0, this.lastArrivalAt + this.settings.coalesceQuietMs - now));
    for (const entry of this.pending.values()) wait = Math.min(wait, Math.max(0, entry.firstAt + this.settings.coalesceMaxWaitMs - now));
    return wait;
  }

  /**
   * One `webhook.job` span per round (see roundSpanOptions), around the Bitrix reads, the mirror writes and the
   * socket emits of every object in it, and the jobs' completion.
   */
  private runRound(entries: PendingObject[]): Promise<void> {
    return inSpan('webhook.job', roundSpanOptions(entries), () => this.processRound(entries));
  }

  private async processRound(entries: PendingObject[]): Promise<void> {
    const targets: SyncTargets = { deals: [], activities: [], comments: [] };
    for (const entry of entries) {
      if (entry.kind === 'deal') targets.deals.push(entry.bitrixId);
      else if (entry.kind === 'activity') targets.activities.push(entry.bitrixId);
      else targets.comments.push(entry.bitrixId);
    }
    let results: SyncResults;
    try {
      results = await this.sync.sync(targets);
    } catch (error) {
      results = new Map(entries.map((e) => [syncKey(e.kind, e.bitrixId), error as Error]));
    }
    const done: string[] = [];
    const failed = new Map<string, string[]>();
    for (const entry of entries) {
      const error = results.get(syncKey(entry.kind, entry.bitrixId));
      if (error === null) {
        done.push(...entry.jobIds);
      } else {
        const message = error ? `${error.name}: ${error.message}` : 'not processed';
        failed.set(message, [...(failed.get(message) ?? []), ...entry.jobIds]);
      }
    }
    try {
      await this.queue.complete(done);
      for (const [message, ids] of failed) {
        this.logger.warn(`Webhook sync failed for ${ids.length} event(s), will retry: ${message}`);
        await this.queue.fail(ids, message);
      }
    } catch (error) {
      // The jobs stay active and leased: re-queued by the orphan reaper if this instance dies, processed again, never lost.
      this.logger.error(`Could not record webhook job outcomes: ${(error as Error).message}`);
    } finally {
      this.heldJobs -= entries.reduce((n, e) => n + e.jobIds.length, 0);
    }
  }

  private sleep(ms: number, wakeable = true): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      if (wakeable) {
        this.wakeUp = () => {
          this.wakeUp = null;
          done();
        };
      }
    });
  }
}

/** Span links one round keeps (OpenTelemetry's default limit per span). */
const MAX_ROUND_LINKS = 128;

/**
 * The trace a round belongs to. A round re-reads many objects in shared `batch` calls, and each object may stand
 * for several events, each acknowledged in its own request and trace. The round is a child of its oldest event's
 * intake (the event that waited longest, where a "why was it late" search starts), and links to every other
 * event's intake, so each event's trace leads to the round that processed it. Without trace contexts (tracing
 * off, or events acknowledged before it was turned on) the round starts a trace of its own.
 */
export function roundSpanOptions(entries: PendingObject[]): SpanOptions {
  const contexts = [...new Set(entries.flatMap((e) => e.traceparents))];
  const oldest = entries.reduce<PendingObject | undefined>((a, e) => (e.traceparents.length && (!a || e.firstAt < a.firstAt) ? e : a), undefined);
  const parentTraceparent = oldest?.traceparents[0];
  const links = contexts
    .filter((c) => c !== parentTraceparent)
    .slice(0, MAX_ROUND_LINKS)
    .map(linkTo)
    .filter((link) => link !== null);
  const jobIds = entries.flatMap((e) => e.jobIds);
  return {
    parent: parentTraceparent ? contextFromTraceparent(parentTraceparent) : ROOT_CONTEXT,
    links,
    attributes: {
      [SPAN_ATTRIBUTES.jobCount]: jobIds.length,
      [SPAN_ATTRIBUTES.jobIds]: jobIds.slice(0, MAX_LISTED),
      [SPAN_ATTRIBUTES.objectCount]: entries.length,
      [SPAN_ATTRIBUTES.eventCount]: entries.reduce((n, e) => n + e.events, 0),
      [SPAN_ATTRIBUTES.dealIds]: entries.filter((e) => e.kind === 'deal').slice(0, MAX_LISTED).map((e) => e.bitrixId),
      [SPAN_ATTRIBUTES.linksDropped]: Math.max(0, contexts.length - (parentTraceparent ? 1 : 0) - MAX_ROUND_LINKS),
    },
  };
}
