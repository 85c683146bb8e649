import type { Socket } from 'socket.io-client';
import { AppProcess, spawnApp } from '../support/app-process';
import {
  attribute,
  descendantsOf,
  ExportedSpan,
  OtlpReceiver,
  SPAN_KIND_CLIENT,
  SPAN_KIND_CONSUMER,
  SPAN_KIND_PRODUCER,
  SPAN_KIND_SERVER,
  waitForSpans,
} from '../support/otlp-receiver';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';
import { connectWithCookie, nextEvent } from '../realtime/socket-clients';
import { fastWebhookEnv, postWebhook, waitFor, webhookForm } from '../webhook/webhook-test-kit';

const OWN_SCOPE = 'carvalima-helpdesk-api';

/**
 * One webhook event, traced across two app processes on one database and one OTLP receiver: instance A only takes
 * the POST (WEBHOOK_WORKERS=false), instance B's workers process the job, and the browser's socket is on A.
 * Expected trace: HTTP server span (A) → webhook.intake (A) → webhook.job (B) → bitrix.call (B) and
 * mirror.write (B) → socket.emit (B) → socket.deliver (A, the relayed event reaching the socket).
 */
describe('Tracing: one webhook event is one trace from the POST on one instance to the socket, through the job on another (e2e, two processes)', () => {
  let stack: TestStack;
  let receiver: OtlpReceiver;
  let admin: TestUser;
  let intakeOnly: AppProcess;
  let worker: AppProcess;
  const sockets: Socket[] = [];

  beforeAll(async () => {
    // The in-process app holds the infrastructure and takes no jobs; the two child processes do the work.
    stack = await startTestStack({ bitrix: true, env: fastWebhookEnv({ WEBHOOK_WORKERS: 'false' }) });
    admin = await createUser(stack, { admin: true });
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    const traced = { ...stack.env, LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' };
    [intakeOnly, worker] = await Promise.all([
      spawnApp({ ...traced, WEBHOOK_WORKERS: 'false' }, 90_000),
      spawnApp({ ...traced, WEBHOOK_WORKERS: 'true' }, 90_000),
    ]);
    stack.bitrix!.options.eventHandlerUrl = `${intakeOnly.url}/webhook-bitrix24`;
  }, 150_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await intakeOnly?.kill();
    await worker?.kill();
    await receiver?.stop();
    await stack?.close();
  });

  const own = (spans: ExportedSpan[], name: string) => spans.filter((s) => s.scope === OWN_SCOPE && s.name === name);
  const instanceOf = (span: ExportedSpan) => span.resource['service.instance.id'];

  it('links intake(A) → job(B) → bitrix.call → mirror.write → socket.emit → socket.deliver(A) in one trace, and the browser on A gets the event', async () => {
    const socket = await connectWithCookie(intakeOnly.url, admin);
    sockets.push(socket);
    const announced = nextEvent<{ deal_id: number; title: string }>(socket, 'new_ticket', 60_000);

    const bitrixDealId = Number(stack.bitrix!.createDeal({ TITLE: 'Impressora sem toner (traced)' }).ID);
    await stack.bitrix!.flush();
    expect((await announced).deal_id).toBe(bitrixDealId);

    const intake = await waitForSpans(receiver, 'webhook.intake', (spans) =>
      own(spans, 'webhook.intake').find((s) => attribute(s, 'helpdesk.deal_id') === bitrixDealId),
    );
    expect(attribute(intake, 'helpdesk.webhook.event')).toBe('ONCRMDEALADD');
    expect(attribute(intake, 'helpdesk.object.kind')).toBe('deal');
    expect(attribute(intake, 'helpdesk.webhook.outcome')).toBe('queued');
    // Its parent is the POST's server span on A, named after the route by the intake fast path.
    const post = await waitForSpans(receiver, 'server span of the POST', (spans) => spans.find((s) => s.spanId === intake.parentSpanId));
    expect(post.kind).toBe(SPAN_KIND_SERVER);
    expect(post.name).toBe('POST /webhook-bitrix24');
    expect(attribute(post, 'http.route')).toBe('/webhook-bitrix24');
    expect(post.traceId).toBe(intake.traceId);

    // The job span on B continues the intake's trace, whatever the instance that took the job.
    const job = await waitForSpans(receiver, 'webhook.job', (spans) => own(spans, 'webhook.job').find((s) => s.parentSpanId === intake.spanId));
    expect(job.traceId).toBe(intake.traceId);
    expect(attribute(job, 'helpdesk.webhook.deal_ids')).toEqual([bitrixDealId]);
    expect(attribute(job, 'helpdesk.webhook.jobs')).toBeGreaterThanOrEqual(1);
    expect(attribute(job, 'helpdesk.webhook.job_ids')).toEqual(expect.arrayContaining([expect.stringMatching(/^[0-9a-f-]{36}$/)]));

    // The two instances are told apart by their resource.
    expect(instanceOf(intake)).toMatch(/\S/);
    expect(instanceOf(job)).toMatch(/\S/);
    expect(instanceOf(job)).not.toBe(instanceOf(intake));
    expect(job.resource['process.pid']).toBe(String(worker.child.pid));
    expect(intake.resource['process.pid']).toBe(String(intakeOnly.child.pid));

    // Under the job: the Bitrix read, the mirror write, and the emit below the write.
    const emitted = await waitForSpans(receiver, 'socket.emit under the job', (spans) => {
      const below = descendantsOf(spans, job);
      return below.some((s) => s.name === 'socket.emit' && attribute(s, 'helpdesk.socket.event') === 'new_ticket') ? below : null;
    });
    const calls = emitted.filter((s) => s.name === 'bitrix.call');
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.kind).toBe(SPAN_KIND_CLIENT);
      expect(call.resource['service.instance.id']).toBe(instanceOf(job));
      expect(attribute(call, 'bitrix.method')).toMatch(/^[a-z.]+$/);
      expect(attribute(call, 'bitrix.attempts')).toBe(1);
      expect(attribute(call, 'http.response.status_code')).toBe(200);
      expect(typeof attribute(call, 'bitrix.rate_limit.wait_ms')).toBe('number');
    }
    const write = emitted.find((s) => s.name === 'mirror.write' && attribute(s, 'helpdesk.deal_id') === bitrixDealId);
    expect(write).toBeDefined();
    expect(attribute(write!, 'helpdesk.mirror.outcome')).toBe('created');
    const emit = emitted.find((s) => s.name === 'socket.emit' && attribute(s, 'helpdesk.socket.event') === 'new_ticket')!;
    expect(emit.kind).toBe(SPAN_KIND_PRODUCER);
    expect(descendantsOf(emitted, write!).map((s) => s.spanId)).toContain(emit.spanId);
    expect(attribute(emit, 'helpdesk.deal_id')).toBe(bitrixDealId);
    expect(attribute(emit, 'helpdesk.socket.rooms')).toBeGreaterThanOrEqual(1);

    // A delivered the relayed event to its socket in the same trace.
    const delivered = await waitForSpans(receiver, 'socket.deliver on A', (spans) =>
      spans.find((s) => s.name === 'socket.deliver' && s.parentSpanId === emit.spanId && instanceOf(s) === instanceOf(intake)),
    );
    expect(delivered.traceId).toBe(intake.traceId);
    expect(delivered.kind).toBe(SPAN_KIND_CONSUMER);
    expect(attribute(delivered, 'helpdesk.socket.event')).toBe('new_ticket');
  }, 120_000);

  it('folds a burst about one deal into jobs whose webhook.job span is the child of, or links to, every event\u2019s intake', async () => {
    const bitrix = stack.bitrix!;
    const bitrixDealId = Number(bitrix.createDeal({ TITLE: 'Rede lenta (burst)' }).ID);
    for (let version = 1; version <= 5; version++) bitrix.updateDeal(bitrixDealId, { TITLE: `Rede lenta v${version}` });
    await bitrix.flush();
    const intakes = await waitForSpans(receiver, 'six intakes', (spans) => {
      const found = own(spans, 'webhook.intake').filter((s) => attribute(s, 'helpdesk.deal_id') === bitrixDealId);
      return found.length === 6 ? found : null;
    });
    expect(new Set(intakes.map((s) => s.traceId)).size).toBe(6);
    await waitFor('the deal at its last version', async () => {
      const rows: { title: string }[] = await stack.dataSource.query('SELECT title FROM deals WHERE deal_id = $1', [bitrixDealId]);
      return rows[0]?.title === 'Rede lenta v5';
    }, 60_000);
    const reached = (intake: ExportedSpan, spans: ExportedSpan[]) =>
      own(spans, 'webhook.job').some(
        (job) => (job.traceId === intake.traceId && job.parentSpanId === intake.spanId) || (job.links ?? []).some((l) => l.traceId === intake.traceId && l.spanId === intake.spanId),
      );
    await waitForSpans(receiver, 'a job span for every intake', (spans) => intakes.every((intake) => reached(intake, spans)));
    // Fewer rounds than events: the burst was coalesced, so some events are reached by a link, not as the parent.
    const jobs = own(receiver.spans, 'webhook.job').filter((job) => intakes.some((i) => job.parentSpanId === i.spanId || (job.links ?? []).some((l) => l.spanId === i.spanId)));
    expect(jobs.length).toBeLessThan(intakes.length);
    expect(jobs.some((job) => (job.links ?? []).length > 0)).toBe(true);
    expect(jobs.every((job) => job.resource['process.pid'] === String(worker.child.pid))).toBe(true);
  }, 120_000);

  it('traces JSON posts (through Express) too: a refused token is an error span naming the exception only, an unknown event is ignored', async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${intakeOnly.url}/webhook-bitrix24`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const wrongToken = 'not-the-application-token-4711';
    expect((await post({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: 424242 } }, auth: { application_token: wrongToken } })).status).toBe(401);
    expect((await post({ event: 'ONCRMLEADADD', data: { FIELDS: { ID: 424243 } }, auth: { application_token: stack.env.BITRIX_APP_TOKEN } })).status).toBe(200);
    const refused = await waitForSpans(receiver, 'the refused intake', (spans) =>
      own(spans, 'webhook.intake').find((s) => attribute(s, 'error.type') === 'UnauthorizedException'),
    );
    expect((refused as unknown as { status?: { code?: number; message?: string } }).status).toEqual({ code: 2, message: 'UnauthorizedException' });
    const ignored = await waitForSpans(receiver, 'the ignored intake', (spans) =>
      own(spans, 'webhook.intake').find((s) => attribute(s, 'helpdesk.webhook.event') === 'ONCRMLEADADD'),
    );
    expect(attribute(ignored, 'helpdesk.webhook.outcome')).toBe('ignored');
    // Both descend from a server span on A that Express routed (the JSON posts go through WebhookController).
    for (const span of [refused, ignored]) {
      const server = await waitForSpans(receiver, 'its server span', (spans) =>
        spans.find((s) => s.kind === SPAN_KIND_SERVER && s.traceId === span.traceId && descendantsOf(spans, s).some((d) => d.spanId === span.spanId)),
      );
      expect(attribute(server, 'http.route')).toBe('/webhook-bitrix24');
      expect(instanceOf(server)).toBe(instanceOf(span));
      expect(descendantsOf(receiver.spans, server).some((d) => d.scope === '@opentelemetry/instrumentation-express')).toBe(true);
    }
    expect(JSON.stringify(receiver.spans)).not.toContain(wrongToken);
  }, 60_000);

  it('stores no trace context for an event taken by an untraced instance, and none of the secrets reaches a span', async () => {
    // The in-process app has no SDK: its inbox row and the job carry no traceparent.
    const untracedId = 987_654;
    const traced = Number(stack.bitrix!.createDeal({ TITLE: 'Traced' }).ID);
    await stack.bitrix!.flush();
    expect((await postWebhook(stack, webhookForm('ONCRMDEALUPDATE', untracedId, stack.env.BITRIX_APP_TOKEN))).status).toBe(200);
    const jobs = await waitFor('both jobs', async () => {
      const rows: { bitrix_id: number; has_context: boolean }[] = await stack.dataSource.query(
        `SELECT (data->>'bitrixId')::int AS bitrix_id, data ? 'traceparents' AS has_context FROM pgboss.job WHERE name = 'bitrix-webhook-event' AND (data->>'bitrixId')::int = ANY($1::int[])`,
        [[untracedId, traced]],
      );
      return rows.length >= 2 ? rows : null;
    }, 30_000);
    expect(jobs!.filter((j) => j.bitrix_id === untracedId).every((j) => !j.has_context)).toBe(true);
    expect(jobs!.filter((j) => j.bitrix_id === traced).every((j) => j.has_context)).toBe(true);

    const exported = JSON.stringify(receiver.spans);
    const inbound = new URL(stack.env.BITRIX_INBOUND_URL);
    const webhookCode = inbound.pathname.split('/').filter(Boolean).pop()!;
    const database = new URL(stack.env.DATABASE_URL);
    expect(webhookCode.length).toBeGreaterThanOrEqual(8);
    expect(database.password.length).toBeGreaterThan(0);
    for (const secret of [webhookCode, inbound.pathname, stack.env.BITRIX_APP_TOKEN, `:${database.password}@`, admin.accessToken]) {
      expect(exported.includes(secret)).toBe(false);
    }
    // Nor any attribute of our spans that names a URL.
    const ownSpans = receiver.spans.filter((s) => s.scope === OWN_SCOPE);
    expect(ownSpans.length).toBeGreaterThan(0);
    expect(ownSpans.flatMap((s) => s.attributes ?? []).some((a) => /url/i.test(a.key) || /https?:\/\//.test(a.value.stringValue ?? ''))).toBe(false);
  }, 60_000);
});
