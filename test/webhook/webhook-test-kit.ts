import request from 'supertest';
import { TicketEventsBroadcaster } from '../../src/realtime/ticket-events.broadcaster';
import type { TestStack } from '../support/test-stack';

/** Webhook settings that keep e2e tests quick (read from env when the app boots). */
/** Webhook settings that keep the suites quick (short coalescing windows, fast retries, no cron): pass as stack env. */
export function fastWebhookEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    WEBHOOK_COALESCE_QUIET_MS: '100',
    WEBHOOK_COALESCE_MAX_WAIT_MS: '1500',
    WEBHOOK_POLL_MS: '100',
    WEBHOOK_RETRY_DELAY_SECONDS: '1',
    WEBHOOK_RECONCILE_CRON: 'off',
    WEBHOOK_QUEUE_MAINTENANCE_SECONDS: '1',
    ...overrides,
  };
}

/** Polls until `check` returns a truthy value (returned), or fails with the last value seen. */
export async function waitFor<T>(what: string, check: () => Promise<T>, timeoutMs = 15000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function jobCount(stack: TestStack): Promise<number> {
  const rows: { n: number }[] = await stack.dataSource.query(
    `SELECT (SELECT count(*) FROM pgboss.job WHERE name = 'bitrix-webhook-event') + (SELECT count(*) FROM webhook_inbox) AS n`,
  );
  return Number(rows[0].n);
}

/** Events not yet processed: in the inbox, or jobs created, retrying or active. */
export async function unfinishedJobs(stack: TestStack): Promise<number> {
  const rows: { n: number }[] = await stack.dataSource.query(
    `SELECT (SELECT count(*) FROM pgboss.job WHERE name = 'bitrix-webhook-event' AND state IN ('created', 'retry', 'active'))
          + (SELECT count(*) FROM webhook_inbox) AS n`,
  );
  return Number(rows[0].n);
}

/** Every outbound event of the emulator delivered, and every event processed by the workers. */
export async function settleEvents(stack: TestStack): Promise<void> {
  await stack.bitrix!.flush();
  await waitFor('queue drained', async () => (await unfinishedJobs(stack)) === 0);
}

export function postWebhook(stack: TestStack, form: Record<string, string>): request.Test {
  return request(stack.url).post('/webhook-bitrix24').type('form').send(form);
}

export function webhookForm(event: string, id: number | string, token: string, idKey = 'data[FIELDS][ID]'): Record<string, string> {
  return {
    event,
    event_handler_id: '976',
    [idKey]: String(id),
    ts: String(Math.floor(Date.now() / 1000)),
    'auth[domain]': 'carvalima.bitrix24.com.br',
    'auth[member_id]': '0123456789abcdef0123456789abcdef',
    'auth[application_token]': token,
  };
}

export interface BroadcastSpy {
  created: unknown[];
  updated: { deal_id: number; changes: Record<string, unknown> }[];
  activities: { deal_id: number; activity: Record<string, unknown> }[];
  reset(): void;
}

/** Records what the app broadcasts (the real broadcaster still runs). */
export function spyOnBroadcasts(stack: TestStack): BroadcastSpy {
  const broadcaster = stack.app.get(TicketEventsBroadcaster);
  const spy: BroadcastSpy = {
    created: [],
    updated: [],
    activities: [],
    reset() {
      spy.created.length = 0;
      spy.updated.length = 0;
      spy.activities.length = 0;
    },
  };
  const created = broadcaster.ticketCreated.bind(broadcaster);
  const updated = broadcaster.dealUpdated.bind(broadcaster);
  const added = broadcaster.activityAdded.bind(broadcaster);
  broadcaster.ticketCreated = async (audience, event) => {
    spy.created.push(event);
    return created(audience, event);
  };
  broadcaster.dealUpdated = async (audience, event) => {
    spy.updated.push(event);
    return updated(audience, event);
  };
  broadcaster.activityAdded = async (audience, event) => {
    spy.activities.push(event);
    return added(audience, event);
  };
  return spy;
}

export async function localDeal(stack: TestStack, bitrixDealId: number): Promise<Record<string, unknown> | undefined> {
  const rows: Record<string, unknown>[] = await stack.dataSource.query('SELECT * FROM deals WHERE deal_id = $1', [bitrixDealId]);
  return rows[0];
}
