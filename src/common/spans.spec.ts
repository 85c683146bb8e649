import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, NodeTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { roundSpanOptions, PendingObject } from '../webhook/webhook-processor.service';
import { activeTraceparent, contextFromTraceparent, inSpan, linkTo } from './spans';

const A = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const B = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const C = '00-5bf92f3577b34da6a3ce929d0e0e4736-10f067aa0ba902b7-01';

function pending(overrides: Partial<PendingObject>): PendingObject {
  return { kind: 'deal', bitrixId: 1001, jobIds: ['j1'], traceparents: [], events: 1, firstAt: 0, ...overrides };
}

describe('spans with tracing off (no SDK registered: the API no-ops)', () => {
  it('writes no trace context and makes no link, whatever is stored', async () => {
    expect(activeTraceparent()).toBeNull();
    await inSpan('webhook.intake', {}, async () => expect(activeTraceparent()).toBeNull());
    expect(linkTo(A)).toBeNull();
    const options = roundSpanOptions([pending({ traceparents: [A, B] })]);
    expect(options.links).toEqual([]);
  });
});

describe('spans with the SDK (W3C propagation, AsyncLocalStorage context)', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it('gives the active span as a traceparent, and none outside a span', async () => {
    let inside: string | null = null;
    let spanId = '';
    await inSpan('webhook.intake', {}, async (span) => {
      inside = activeTraceparent();
      spanId = span.spanContext().spanId;
    });
    expect(inside).toBe(`00-${exporter.getFinishedSpans()[0].spanContext().traceId}-${spanId}-01`);
    expect(activeTraceparent()).toBeNull();
  });

  it('continues a stored traceparent as the parent, and ignores a malformed one', async () => {
    await inSpan('webhook.job', { parent: contextFromTraceparent(A) }, async () => undefined);
    await inSpan('webhook.job', { parent: contextFromTraceparent('00-nope') }, async () => undefined);
    const [continued, fresh] = exporter.getFinishedSpans();
    expect(continued.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(continued.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(fresh.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
    expect(fresh.parentSpanContext).toBeUndefined();
    expect(contextFromTraceparent('not-a-traceparent')).toBe(ROOT_CONTEXT);
  });

  it('marks a failure with its code or class only, never the message, and rethrows it', async () => {
    const failure = Object.assign(new Error('duplicate key value (email)=(maria@carvalima.test)'), { code: 'QUERY_LIMIT_EXCEEDED' });
    await expect(inSpan('bitrix.call', {}, async () => Promise.reject(failure))).rejects.toBe(failure);
    await expect(inSpan('mirror.write', {}, async () => Promise.reject(new TypeError('CPF 529.982.247-25')))).rejects.toThrow(TypeError);
    const [withCode, withClass] = exporter.getFinishedSpans();
    expect(withCode.status).toEqual({ code: SpanStatusCode.ERROR, message: 'QUERY_LIMIT_EXCEEDED' });
    expect(withCode.attributes['error.type']).toBe('QUERY_LIMIT_EXCEEDED');
    expect(withClass.status).toEqual({ code: SpanStatusCode.ERROR, message: 'TypeError' });
    expect(JSON.stringify([withCode.attributes, withClass.attributes, withCode.events, withClass.events])).not.toMatch(/maria|529/);
  });

  it('makes a round the child of its oldest event and links it to every other event once', () => {
    const options = roundSpanOptions([
      pending({ bitrixId: 1002, jobIds: ['j2'], traceparents: [B, C], firstAt: 20 }),
      pending({ bitrixId: 1001, jobIds: ['j1', 'j3'], traceparents: [A, B], events: 3, firstAt: 10 }),
      pending({ kind: 'activity', bitrixId: 50001, jobIds: ['j4'], traceparents: [], firstAt: 5 }),
    ]);
    expect(trace.getSpanContext(options.parent!)?.spanId).toBe('b7ad6b7169203331');
    expect(options.links!.map((l) => l.context.spanId).sort()).toEqual(['00f067aa0ba902b7', '10f067aa0ba902b7']);
    expect(options.attributes).toMatchObject({
      'helpdesk.webhook.jobs': 4,
      'helpdesk.webhook.job_ids': ['j2', 'j1', 'j3', 'j4'],
      'helpdesk.webhook.objects': 3,
      'helpdesk.webhook.events': 5,
      'helpdesk.webhook.deal_ids': [1002, 1001],
      'helpdesk.webhook.links_dropped': 0,
    });
  });

  it('starts a trace of its own for a round without contexts, and bounds the links', () => {
    expect(roundSpanOptions([pending({})]).parent).toBe(ROOT_CONTEXT);
    const many = Array.from({ length: 200 }, (_, n) => `00-${'1'.repeat(16)}${n.toString(16).padStart(16, '0')}-${'2'.repeat(14)}${(n % 256).toString(16).padStart(2, '0')}-01`);
    const options = roundSpanOptions([pending({ traceparents: many })]);
    expect(options.links).toHaveLength(128);
    expect(options.attributes?.['helpdesk.webhook.links_dropped']).toBe(71);
  });
});
