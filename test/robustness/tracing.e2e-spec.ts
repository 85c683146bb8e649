import { createUser, TestUser } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess, freePort, spawnApp } from '../support/app-process';
import {
  attribute as attributeOf,
  descendantsOf as descendantsIn,
  ExportedSpan,
  OtlpReceiver,
  OtlpSpan,
  SPAN_KIND_CLIENT,
  SPAN_KIND_SERVER,
} from '../support/otlp-receiver';

const attribute = (span: OtlpSpan, key: string) => {
  const value = attributeOf(span, key);
  return Array.isArray(value) ? undefined : value;
};

/** The request path of a server span, under the old or the stable HTTP semantic conventions. */
const pathOf = (span: OtlpSpan) => attribute(span, 'http.target') ?? attribute(span, 'url.path');

/** The server span of the request whose path is `path`, once exported. */
async function waitForServerSpan(receiver: OtlpReceiver, path: string, timeoutMs = 20_000): Promise<ExportedSpan> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const span = receiver.spans.find((s) => s.kind === SPAN_KIND_SERVER && pathOf(s) === path);
    if (span) return span;
    if (Date.now() > deadline) throw new Error(`no server span for ${path} in ${timeoutMs} ms; got ${receiver.spans.map((s) => s.name).join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function descendantsOf(receiver: OtlpReceiver, root: ExportedSpan): ExportedSpan[] {
  return descendantsIn(receiver.spans, root);
}

function logLines(proc: AppProcess): Record<string, unknown>[] {
  return proc
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('OpenTelemetry traces of the real process (node src/main.ts, OTLP/HTTP JSON)', () => {
  let stack: TestStack;
  let user: TestUser;
  let proc: AppProcess | undefined;
  let receiver: OtlpReceiver | undefined;

  beforeAll(async () => {
    stack = await startTestStack();
    user = await createUser(stack);
  });
  afterEach(async () => {
    await proc?.kill();
    proc = undefined;
    await receiver?.stop();
    receiver = undefined;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('exports an HTTP + Express server span with pg child spans in one trace, and the request log line carries its trace_id', async () => {
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'info', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' });

    const ready = await fetch(`${proc.url}/health/ready`, { headers: { 'X-Request-Id': 'trace-ready' } });
    expect(ready.status).toBe(200);
    const listing = await fetch(`${proc.url}/tickets/${user.id}`, { headers: { Authorization: `Bearer ${user.accessToken}`, 'X-Request-Id': 'trace-listing' } });
    expect(listing.status).toBe(200);
    // Query values that are secrets (OIDC code, a CPF in the availability check) are redacted in url.query.
    const cpfCheck = await fetch(`${proc.url}/auth/check-availability?field=cpf&value=${user.cpf}`);
    expect(cpfCheck.status).toBeLessThan(500);

    for (const [path, requestId] of [['/health/ready', 'trace-ready'], [`/tickets/${user.id}`, 'trace-listing']]) {
      const server = await waitForServerSpan(receiver, path);
      expect(server.scope).toBe('@opentelemetry/instrumentation-http');
      expect(server.serviceName).toBe('carvalima-helpdesk-api');
      expect(server.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(server.parentSpanId ?? '').toBe(''); // the request started the trace
      // The batch processor exports children as they end: give the last ones a moment.
      let children: ExportedSpan[] = [];
      const deadline = Date.now() + 10_000;
      do {
        children = descendantsOf(receiver, server);
        if (children.some((s) => s.scope === '@opentelemetry/instrumentation-pg')) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      } while (Date.now() < deadline);
      expect(children.filter((s) => s.scope === '@opentelemetry/instrumentation-express').length).toBeGreaterThan(0);
      const queries = children.filter((s) => s.scope === '@opentelemetry/instrumentation-pg' && s.kind === SPAN_KIND_CLIENT);
      expect(queries.length).toBeGreaterThan(0);
      expect(queries.every((q) => (attribute(q, 'db.system') ?? attribute(q, 'db.system.name')) === 'postgresql')).toBe(true);

      // The request's own log line (pino-http, written when the response finished) names the same trace.
      const line = logLines(proc).find((l) => l.request_id === requestId && l.msg === 'request completed');
      expect(line).toBeDefined();
      expect(line?.trace_id).toBe(server.traceId);
      expect(line?.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // The readiness probe's S3 round trip is a client span of the same request.
    const readySpan = await waitForServerSpan(receiver, '/health/ready');
    expect(readySpan.resourceKeys).toEqual(expect.arrayContaining(['host.name', 'process.pid']));
    expect(descendantsOf(receiver, readySpan).some((s) => s.scope === '@opentelemetry/instrumentation-http' && s.kind === SPAN_KIND_CLIENT)).toBe(true);

    // A caller's W3C traceparent is continued, not replaced.
    const callerTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const continued = await fetch(`${proc.url}/auth/check-availability?field=matricula&value=traceparent-test`, {
      headers: { traceparent: `00-${callerTraceId}-${callerSpanId}-01` },
    });
    expect(continued.status).toBeLessThan(500);
    const deadline = Date.now() + 20_000;
    let continuedSpan: ExportedSpan | undefined;
    while (!continuedSpan && Date.now() < deadline) {
      continuedSpan = receiver.spans.find((s) => s.kind === SPAN_KIND_SERVER && s.traceId === callerTraceId);
      if (!continuedSpan) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(continuedSpan?.parentSpanId).toBe(callerSpanId);

    const cpfSpan = await waitForServerSpan(receiver, '/auth/check-availability');
    expect(attribute(cpfSpan, 'url.query')).toBe('field=cpf&value=REDACTED');
    // Nothing secret in any exported span: the database credentials, the bearer token, the CPF.
    const exported = JSON.stringify(receiver.spans);
    const database = new URL(stack.env.DATABASE_URL);
    expect(database.password.length).toBeGreaterThan(0);
    for (const secret of [`:${database.password}@`, user.accessToken, user.cpf]) expect(exported.includes(secret)).toBe(false);

    // Liveness probes are not traced; the exporter's own requests are not traced either.
    expect(receiver.spans.some((s) => pathOf(s) === '/health')).toBe(false);
    expect(receiver.spans.some((s) => s.kind === SPAN_KIND_CLIENT && String(attribute(s, 'http.url') ?? '').includes('/v1/traces'))).toBe(false);
    expect(receiver.requests.every((r) => r.path === '/v1/traces')).toBe(true);
  });

  it('keeps each listing query in its own request trace when listings wait their turn (DB_LISTING_CONCURRENCY=1)', async () => {
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    proc = await spawnApp({ ...stack.env, DB_LISTING_CONCURRENCY: '1', OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_BSP_SCHEDULE_DELAY: '200' });
    const path = `/tickets/${user.id}`;
    const burst = 8;
    const statuses = await Promise.all(
      Array.from({ length: burst }, () => fetch(`${proc!.url}${path}`, { headers: { Authorization: `Bearer ${user.accessToken}` } }).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(burst).fill(200));
    const isCardQuery = (s: ExportedSpan) =>
      s.scope === '@opentelemetry/instrumentation-pg' && s.kind === SPAN_KIND_CLIENT && /FROM deals d\b/.test(String(attribute(s, 'db.statement') ?? attribute(s, 'db.query.text') ?? ''));
    let perRequest: number[] = [];
    const deadline = Date.now() + 20_000;
    do {
      const servers = receiver.spans.filter((s) => s.kind === SPAN_KIND_SERVER && pathOf(s) === path);
      perRequest = servers.map((server) => descendantsOf(receiver!, server).filter(isCardQuery).length);
      if (perRequest.length === burst && perRequest.every((n) => n === 1)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } while (Date.now() < deadline);
    // One card query under each request's own server span: none ran in another request's context, none outside one.
    expect(perRequest).toEqual(Array(burst).fill(1));
    expect(receiver.spans.filter(isCardQuery)).toHaveLength(burst);
  });

  it('flushes the spans still buffered on graceful shutdown (SIGTERM), and honours OTEL_SERVICE_NAME', async () => {
    receiver = new OtlpReceiver();
    const endpoint = await receiver.start();
    // A schedule delay far beyond the test: only the shutdown flush can deliver the spans.
    proc = await spawnApp({
      ...stack.env,
      LOG_LEVEL: 'warn',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces`,
      OTEL_BSP_SCHEDULE_DELAY: '600000',
      OTEL_SERVICE_NAME: 'helpdesk-traced-test',
    });
    expect((await fetch(`${proc.url}/health/ready`)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.spans).toHaveLength(0);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    const server = receiver.spans.find((s) => s.kind === SPAN_KIND_SERVER && pathOf(s) === '/health/ready');
    expect(server?.serviceName).toBe('helpdesk-traced-test');
  });

  it('still shuts down cleanly (exit 0) when the collector is unreachable', async () => {
    const closedPort = await freePort(); // nothing listens there
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'warn', OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`, OTEL_BSP_SCHEDULE_DELAY: '600000' });
    expect((await fetch(`${proc.url}/health/ready`)).status).toBe(200);
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(proc.stderr()).toContain('Tracing: the last spans could not be exported at shutdown');
  });

  it('with no OTLP endpoint set, starts no SDK: nothing reaches the default OTLP port and log lines carry no trace ids', async () => {
    // A wrongly started SDK would export to the OTLP default, http://localhost:4318/v1/traces: listen there.
    receiver = new OtlpReceiver(4318);
    await receiver.start();
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'info', OTEL_BSP_SCHEDULE_DELAY: '100' });
    expect((await fetch(`${proc.url}/health/ready`, { headers: { 'X-Request-Id': 'untraced-ready' } })).status).toBe(200);
    const listing = await fetch(`${proc.url}/tickets/${user.id}`, { headers: { Authorization: `Bearer ${user.accessToken}` } });
    expect(listing.status).toBe(200);
    // The graceful shutdown would flush any buffered span.
    proc.child.kill('SIGTERM');
    expect(await proc.exited).toEqual({ code: 0, signal: null });

    expect(receiver.requests).toHaveLength(0);
    const lines = logLines(proc);
    expect(lines.find((l) => l.request_id === 'untraced-ready')).toBeDefined();
    expect(lines.some((l) => 'trace_id' in l || 'span_id' in l)).toBe(false);
  });
});
