import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';

type OtlpAttribute = { key: string; value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; arrayValue?: { values?: OtlpAttribute['value'][] } } };

/** The parts of an OTLP/HTTP JSON span (opentelemetry-proto `trace.proto`, JSON mapping) that the tests read. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: { traceId: string; spanId: string }[];
}

export interface ExportedSpan extends OtlpSpan {
  scope: string;
  serviceName: string | undefined;
  resourceKeys: string[];
  /** The resource's attributes (`service.instance.id`, `process.pid`, ...), as strings. */
  resource: Record<string, string>;
}

export const SPAN_KIND_SERVER = 2;
export const SPAN_KIND_CLIENT = 3;
export const SPAN_KIND_PRODUCER = 4;
export const SPAN_KIND_CONSUMER = 5;

/** An in-process OTLP/HTTP collector: keeps every span POSTed to /v1/traces (JSON, optionally gzip). */
export class OtlpReceiver {
  readonly spans: ExportedSpan[] = [];
  readonly requests: { path: string; contentType: string | undefined }[] = [];
  private readonly server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests.push({ path: req.url ?? '', contentType: req.headers['content-type'] });
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = zlib.gunzipSync(body);
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) this.collect(JSON.parse(body.toString('utf8')));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
    });
  });

  constructor(private readonly port = 0) {}

  async start(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', resolve);
    });
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private collect(payload: {
    resourceSpans?: {
      resource?: { attributes?: OtlpAttribute[] };
      scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[];
    }[];
  }): void {
    for (const resourceSpans of payload.resourceSpans ?? []) {
      const attributes = resourceSpans.resource?.attributes ?? [];
      const resource = Object.fromEntries(attributes.map((a) => [a.key, String(a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? '')]));
      const resourceKeys = attributes.map((a) => a.key);
      for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
        for (const span of scopeSpans.spans ?? []) {
          this.spans.push({ ...span, scope: scopeSpans.scope?.name ?? '', serviceName: resource['service.name'], resourceKeys, resource });
        }
      }
    }
  }
}

/** A span attribute's value: string or number, or an array of them. */
export function attribute(span: OtlpSpan, key: string): string | number | (string | number)[] | undefined {
  const value = span.attributes?.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map((v) => v.stringValue ?? Number(v.intValue));
  return value.stringValue ?? (value.intValue === undefined ? undefined : Number(value.intValue));
}

/** Spans of `root`'s trace that descend from it (parent links followed through the whole trace). */
export function descendantsOf(spans: ExportedSpan[], root: OtlpSpan): ExportedSpan[] {
  const inTrace = spans.filter((s) => s.traceId === root.traceId);
  const ids = new Set([root.spanId]);
  const found: ExportedSpan[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const span of inTrace) {
      if (!ids.has(span.spanId) && span.parentSpanId && ids.has(span.parentSpanId)) {
        ids.add(span.spanId);
        found.push(span);
        grew = true;
      }
    }
  }
  return found;
}

/** Polls `find` over the received spans until it returns something, or fails naming what was received. */
export async function waitForSpans<T>(receiver: OtlpReceiver, what: string, find: (spans: ExportedSpan[]) => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find(receiver.spans);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not exported within ${timeoutMs} ms; got ${[...new Set(receiver.spans.map((s) => s.name))].join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
