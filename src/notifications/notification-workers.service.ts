import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { NotificationDelivery } from './notification-delivery.service';
import { NotificationFanout } from './notification-fanout.service';
import { DELIVERY_QUEUE, FANOUT_QUEUE, NotificationJob, NotificationQueue, NotificationQueueName, SLA_QUEUE } from './notification-queue.service';
import { SlaWatch } from './sla-watch.service';

/** Bound on finishing in-flight deliveries at shutdown (their jobs are re-queued by another instance otherwise). */
const SHUTDOWN_WAIT_MS = 10_000;

interface WorkerLoop {
  queue: NotificationQueueName;
  concurrency: number;
  handle: (data: Record<string, string>) => Promise<void>;
  inFlight: Set<Promise<void>>;
  wakeUp: (() => void) | null;
  done: Promise<void> | null;
}

/**
 * The outbox workers of this instance: one loop per queue (fan-out, delivery, SLA check) fetching jobs with
 * SKIP LOCKED (instances share the work), each job completed after its handler committed, failed (pg-boss
 * retries it) when the handler threw. Idle loops poll every NOTIFICATIONS_POLL_MS; a fan-out wakes the delivery
 * loop at once. The SLA check is sent once per NOTIFICATIONS_SLA_CHECK_SECONDS across instances.
 */
@Injectable()
export class NotificationWorkers implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationWorkers.name);
  private readonly loops: WorkerLoop[];
  private running = false;
  private slaTimer: NodeJS.Timeout | undefined;
  /** Jobs whose handler committed, completed together (one pg-boss call per queue and flush instead of one per job). */
  private readonly toComplete = new Map<NotificationQueueName, string[]>();
  private completing: Promise<void> = Promise.resolve();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly queue: NotificationQueue,
    private readonly fanout: NotificationFanout,
    private readonly delivery: NotificationDelivery,
    private readonly sla: SlaWatch,
    private readonly config: AppConfig,
  ) {
    const loop = (queue: NotificationQueueName, concurrency: number, handle: WorkerLoop['handle']): WorkerLoop => ({ queue, concurrency, handle, inFlight: new Set(), wakeUp: null, done: null });
    this.loops = [
      loop(FANOUT_QUEUE, 4, async (data) => {
        if ((await this.fanout.fanOut(data.eventId)) > 0) this.wake(DELIVERY_QUEUE);
      }),
      loop(DELIVERY_QUEUE, config.notifications.concurrency, (data) => this.delivery.deliver(data.deliveryId, data)),
      loop(SLA_QUEUE, 1, async () => {
        if ((await this.sla.check()) > 0) this.wake(FANOUT_QUEUE);
        if ((await this.sla.requeueStranded()) > 0) {
          this.wake(FANOUT_QUEUE);
          this.wake(DELIVERY_QUEUE);
        }
      }),
    ];
  }

  onApplicationBootstrap(): void {
    if (!this.config.notifications.workers) return;
    this.running = true;
    for (const loop of this.loops) loop.done = this.run(loop);
    const every = this.config.notifications.slaCheckSeconds;
    if (every > 0) {
      const tick = () => this.queue.sendThrottled(SLA_QUEUE, every).catch((error: Error) => this.logger.warn(`SLA check not queued: ${error.message}`));
      void tick();
      this.slaTimer = setInterval(() => void tick(), every * 1000);
      this.slaTimer.unref();
    }
  }

  async onModuleDestroy(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.slaTimer);
    for (const loop of this.loops) loop.wakeUp?.();
    const all = Promise.all(this.loops.map(async (loop) => {
      await loop.done;
      await Promise.all(loop.inFlight);
    }));
    await Promise.race([all, new Promise((resolve) => setTimeout(resolve, SHUTDOWN_WAIT_MS).unref())]);
    clearTimeout(this.flushTimer);
    await this.flushCompletions();
  }

  /** Work was queued on this instance for `queue`: poll now. */
  wake(queue: NotificationQueueName = FANOUT_QUEUE): void {
    this.loops.find((loop) => loop.queue === queue)?.wakeUp?.();
  }

  private async run(loop: WorkerLoop): Promise<void> {
    while (this.running) {
      const room = loop.concurrency - loop.inFlight.size;
      let jobs: NotificationJob<Record<string, string>>[] = [];
      if (room > 0) {
        try {
          jobs = await this.queue.fetch<Record<string, string>>(loop.queue, room);
        } catch (error) {
          this.logger.warn(`Fetching ${loop.queue} jobs failed: ${(error as Error).message}`);
        }
      }
      for (const job of jobs) {
        const work = this.process(loop, job).finally(() => {
          loop.inFlight.delete(work);
          loop.wakeUp?.();
        });
        loop.inFlight.add(work);
      }
      if (jobs.length && loop.inFlight.size < loop.concurrency) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.config.notifications.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        loop.wakeUp = () => {
          loop.wakeUp = null;
          done();
        };
      });
    }
  }

  private async process(loop: WorkerLoop, job: NotificationJob<Record<string, string>>): Promise<void> {
    try {
      await loop.handle(job.data ?? {});
    } catch (error) {
      this.logger.warn(`${loop.queue} job ${job.id} failed: ${(error as Error).message}`);
      await this.queue.fail(loop.queue, [job.id], (error as Error).message).catch(() => undefined);
      return;
    }
    // A job left active by a crash before its completion is flushed runs again and finds its work done.
    this.toComplete.set(loop.queue, [...(this.toComplete.get(loop.queue) ?? []), job.id]);
    this.flushTimer ??= setTimeout(() => {
      this.flushTimer = undefined;
      void this.flushCompletions();
    }, 20);
  }

  private flushCompletions(): Promise<void> {
    const batches = [...this.toComplete.entries()];
    this.toComplete.clear();
    this.completing = this.completing.then(async () => {
      for (const [queue, ids] of batches) {
        await this.queue.complete(queue, ids).catch((error: Error) => this.logger.warn(`Completing ${ids.length} ${queue} job(s) failed: ${error.message}`));
      }
    });
    return this.completing;
  }
}
