import { randomBytes } from 'node:crypto';
import qs from 'qs';

/**
 * Outbound event webhooks, delivered like a portal's queue server does: asynchronously, one POST
 * per event, form-encoded with PHP-style nested keys, no retries. Faults can drop, duplicate,
 * delay, reorder or hold events.
 */

export interface ReorderFault {
  /** How many events are collected before they are released permuted. */
  window: number;
  mode: 'shuffle' | 'reverse';
}

export interface EventFaults {
  /** Drop the next N events. */
  dropNext: number;
  /** Drop each event with this probability (0..1). */
  dropProbability: number;
  /** Deliver each event twice. */
  duplicate: boolean;
  /** Extra delay (ms) added to each event. */
  delayMs: number;
  /** Hold events and release each full window permuted. */
  reorder: ReorderFault | null;
}

export type DeliveryOutcome = 'delivered' | 'failed' | 'dropped' | 'skipped';

export interface EventDelivery {
  /** Sequence number of the emitted event (a duplicate shares it). */
  seq: number;
  event: string;
  /** 1, or 2 for the second copy of a duplicated event. */
  copy: number;
  url: string | null;
  /** The exact form-encoded body POSTed (empty for dropped events). */
  body: string;
  payload: Record<string, unknown>;
  outcome: DeliveryOutcome;
  status: number | null;
  error: string | null;
  emittedAt: Date;
  attemptedAt: Date | null;
}

export interface EventSettings {
  eventHandlerUrl?: string;
  applicationToken: string;
  eventDelayMs: number;
  eventTimeoutMs: number;
  portalDomain: string;
}

interface PendingEvent {
  seq: number;
  event: string;
  data: Record<string, unknown>;
  emittedAt: Date;
}

interface QueuedDelivery {
  pending: PendingEvent;
  copy: number;
  dueAt: number;
}

const noFaults = (): EventFaults => ({ dropNext: 0, dropProbability: 0, duplicate: false, delayMs: 0, reorder: null });

export class EventDispatcher {
  readonly deliveries: EventDelivery[] = [];
  readonly memberId = randomBytes(16).toString('hex');
  private faults: EventFaults = noFaults();
  private paused = false;
  private held: PendingEvent[] = [];
  private reorderBuffer: PendingEvent[] = [];
  private queue: QueuedDelivery[] = [];
  private running: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private seq = 0;
  private readonly handlerIds = new Map<string, number>();

  constructor(private readonly settings: () => EventSettings) {}

  /** Queues an event; `data` becomes `data[...]` in the body (e.g. `{FIELDS: {ID: '5'}}`). */
  emit(event: string, data: Record<string, unknown>): void {
    if (this.closed) return;
    this.seq += 1;
    const pending: PendingEvent = { seq: this.seq, event: event.toUpperCase(), data, emittedAt: new Date() };
    if (this.shouldDrop()) {
      this.record(pending, 1, { outcome: 'dropped', body: '', url: null, status: null, error: 'dropped by fault injection', attemptedAt: null, payload: {} });
      return;
    }
    if (this.paused) {
      this.held.push(pending);
      return;
    }
    this.route(pending);
  }

  setFaults(update: Partial<EventFaults>): EventFaults {
    const next = { ...this.faults, ...update };
    if (next.reorder && (!Number.isInteger(next.reorder.window) || next.reorder.window < 2)) {
      throw new Error('reorder.window must be an integer >= 2');
    }
    const reorderOff = this.faults.reorder && !next.reorder;
    this.faults = next;
    if (reorderOff) this.releaseReorderBuffer(false);
    return { ...this.faults };
  }

  getFaults(): EventFaults {
    return { ...this.faults };
  }

  clearFaults(): void {
    this.setFaults(noFaults());
  }

  isPaused(): boolean {
    return this.paused;
  }

  /** Holds every new event until resume() or flush(). */
  pause(): void {
    this.paused = true;
  }

  /** Releases held events (through the reorder window if one is set) and stops holding. */
  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const pending of held) this.route(pending);
  }

  /**
   * Delivers everything pending right now: held events (pause), a partial reorder window (permuted)
   * and queued events still waiting for their delay; resolves when the queue is empty.
   * Pausing stays as it was, so later events are held again.
   */
  async flush(): Promise<void> {
    const held = this.held;
    this.held = [];
    if (this.faults.reorder) this.reorderBuffer.push(...held);
    else for (const pending of held) this.enqueue(pending, true);
    this.releaseReorderBuffer(true);
    const now = Date.now();
    for (const item of this.queue) item.dueAt = Math.min(item.dueAt, now);
    this.wakeUp?.();
    await this.idle();
  }

  /** Resolves when nothing is queued or in flight (held events stay held). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  heldCount(): number {
    return this.held.length + this.reorderBuffer.length;
  }

  reset(): void {
    this.faults = noFaults();
    this.paused = false;
    this.held = [];
    this.reorderBuffer = [];
    this.queue = [];
    this.deliveries.length = 0;
  }

  close(): void {
    this.closed = true;
    this.queue = [];
    this.held = [];
    this.reorderBuffer = [];
    if (this.timer) clearTimeout(this.timer);
    this.wakeUp?.();
  }

  /** The body a portal POSTs for this event, before URL-encoding. */
  buildPayload(pending: { event: string; data: Record<string, unknown>; emittedAt: Date }): Record<string, unknown> {
    const s = this.settings();
    return {
      event: pending.event,
      event_handler_id: String(this.handlerId(pending.event)),
      data: pending.data,
      ts: String(Math.floor(pending.emittedAt.getTime() / 1000)),
      auth: {
        domain: s.portalDomain,
        client_endpoint: `https://${s.portalDomain}/rest/`,
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        member_id: this.memberId,
        application_token: s.applicationToken,
      },
    };
  }

  private handlerId(event: string): number {
    let id = this.handlerIds.get(event);
    if (id === undefined) {
      id = 975 + this.handlerIds.size;
      this.handlerIds.set(event, id);
    }
    return id;
  }

  private shouldDrop(): boolean {
    if (this.faults.dropNext > 0) {
      this.faults.dropNext -= 1;
      return true;
    }
    return this.faults.dropProbability > 0 && Math.random() < this.faults.dropProbability;
  }

  private route(pending: PendingEvent): void {
    const reorder = this.faults.reorder;
    if (!reorder) {
      this.enqueue(pending, false);
      return;
    }
    this.reorderBuffer.push(pending);
    if (this.reorderBuffer.length >= reorder.window) this.releaseReorderBuffer(false);
  }

  private releaseReorderBuffer(immediate: boolean): void {
    const batch = this.reorderBuffer;
    this.reorderBuffer = [];
    const mode = this.faults.reorder?.mode ?? 'reverse';
    for (const pending of permute(batch, mode)) this.enqueue(pending, immediate);
  }

  private enqueue(pending: PendingEvent, immediate: boolean): void {
    if (this.closed) return;
    const s = this.settings();
    const dueAt = Date.now() + (immediate ? 0 : s.eventDelayMs) + this.faults.delayMs;
    const copies = this.faults.duplicate ? 2 : 1;
    for (let copy = 1; copy <= copies; copy += 1) this.queue.push({ pending, copy, dueAt });
    this.wakeUp?.();
    if (!this.running) {
      this.running = this.run().finally(() => {
        this.running = null;
      });
    }
  }

  /** One delivery at a time, in queue order (a queue server's single worker). */
  private async run(): Promise<void> {
    while (!this.closed && this.queue.length > 0) {
      const head = this.queue[0];
      const wait = head.dueAt - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          this.timer = setTimeout(resolve, wait);
        });
        this.wakeUp = null;
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        continue;
      }
      this.queue.shift();
      await this.deliver(head);
    }
  }

  private async deliver(item: QueuedDelivery): Promise<void> {
    const s = this.settings();
    const payload = this.buildPayload(item.pending);
    const body = qs.stringify(payload, { format: 'RFC1738' });
    const url = s.eventHandlerUrl ?? null;
    if (!url) {
      this.record(item.pending, item.copy, { outcome: 'skipped', body, url, status: null, error: 'no eventHandlerUrl configured', attemptedAt: null, payload });
      return;
    }
    const attemptedAt = new Date();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Bitrix24 Webhook Engine' },
        body,
        signal: AbortSignal.timeout(s.eventTimeoutMs),
      });
      await response.arrayBuffer().catch(() => undefined);
      const ok = response.status >= 200 && response.status < 300;
      this.record(item.pending, item.copy, {
        outcome: ok ? 'delivered' : 'failed',
        body,
        url,
        status: response.status,
        error: ok ? null : `HTTP ${response.status}`,
        attemptedAt,
        payload,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.record(item.pending, item.copy, { outcome: 'failed', body, url, status: null, error: message, attemptedAt, payload });
    }
  }

  private record(
    pending: PendingEvent,
    copy: number,
    result: Pick<EventDelivery, 'outcome' | 'body' | 'url' | 'status' | 'error' | 'attemptedAt' | 'payload'>,
  ): void {
    this.deliveries.push({ seq: pending.seq, event: pending.event, copy, emittedAt: pending.emittedAt, ...result });
  }
}

/** Reverse, or a shuffle that is guaranteed to change the order when it can. */
function permute<T>(items: T[], mode: 'shuffle' | 'reverse'): T[] {
  if (items.length < 2) return [...items];
  if (mode === 'reverse') return [...items].reverse();
  for (;;) {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i -= 1) {
      const j = Math.floor(Math.random() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    if (out.some((item, i) => item !== items[i])) return out;
  }
}
