import { Attributes, context, Context, Link, propagation, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';

/**
 * The service's own spans (webhook.intake, webhook.job, bitrix.call, mirror.write, socket.emit), beside the HTTP,
 * Express and pg spans of the auto-instrumentations (src/tracing.ts). Through `@opentelemetry/api` only: with
 * tracing off no SDK is registered, the tracer is the API's no-op one, and a span here costs a function call.
 *
 * What a span may carry: Bitrix IDs (deal, activity, comment), event and method names, job ids, counts, HTTP
 * statuses and error codes. Never personal data (CPF, names, e-mails, comment text), payloads, URLs or messages
 * of errors (a database error quotes the values it refused).
 */
export const tracer = trace.getTracer('carvalima-helpdesk-api');

/** A W3C `traceparent` header value (version 00): `00-<trace id>-<span id>-<flags>`. */
const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export interface SpanOptions {
  attributes?: Attributes;
  links?: Link[];
  kind?: SpanKind;
  /** The parent; default the active context. */
  parent?: Context;
}

/**
 * Runs `work` in a new active span named `name` and ends it. A failure marks the span as an error with its
 * code or class name only (`error.type`), and is rethrown as it was.
 */
export function inSpan<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  // `options` goes to the tracer as it is (its `parent` is not a span option and is ignored there): no copy per call.
  return tracer.startActiveSpan(name, options, options.parent ?? context.active(), async (span) => {
    try {
      return await work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Like inSpan, for synchronous work (socket emits). */
export function inSpanSync<T>(name: string, options: SpanOptions, work: (span: Span) => T): T {
  return tracer.startActiveSpan(name, options, options.parent ?? context.active(), (span) => {
    try {
      return work(span);
    } catch (error) {
      markFailed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Error status with a label that carries no data: a Bitrix error code (`QUERY_LIMIT_EXCEEDED`) or the class name. */
export function markFailed(span: Span, error: unknown): void {
  const record = typeof error === 'object' && error !== null ? (error as { code?: unknown; name?: unknown }) : {};
  const label = typeof record.code === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(record.code) ? record.code : typeof record.name === 'string' ? record.name : 'Error';
  span.setAttribute('error.type', label);
  span.setStatus({ code: SpanStatusCode.ERROR, message: label });
}

/**
 * The active trace context as a W3C `traceparent` (through the registered propagator), to be stored with work that
 * another process will pick up; null when tracing is off (the no-op propagator writes nothing) or no span is active.
 */
export function activeTraceparent(): string | null {
  const active = context.active();
  // No span, nothing to carry (and with tracing off there never is one): skip the propagator.
  if (!trace.getSpan(active)) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const value = carrier.traceparent;
  return value && TRACEPARENT.test(value) ? value : null;
}

/** The remote context a stored `traceparent` names (the root context when it is malformed or tracing is off). */
export function contextFromTraceparent(traceparent: string): Context {
  return TRACEPARENT.test(traceparent) ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/** A span link to the context a stored `traceparent` names, or null when there is none (tracing off, malformed). */
export function linkTo(traceparent: string): Link | null {
  const spanContext = trace.getSpanContext(contextFromTraceparent(traceparent));
  return spanContext && trace.isSpanContextValid(spanContext) ? { context: spanContext } : null;
}


/** Attribute names of our spans, in one place (`helpdesk.*`; the HTTP and error ones are OpenTelemetry's). */
export const SPAN_ATTRIBUTES = {
  /** The Bitrix deal ID (`deals.deal_id`, the public ticket ID), never the internal one. */
  dealId: 'helpdesk.deal_id',
  /** What a webhook event or mirror write is about: `deal`, `activity` or `comment`, and its Bitrix ID. */
  objectKind: 'helpdesk.object.kind',
  objectId: 'helpdesk.object.id',
  webhookEvent: 'helpdesk.webhook.event',
  /** `queued` or `ignored` (an event this service does not handle). */
  webhookOutcome: 'helpdesk.webhook.outcome',
  /** pg-boss job ids of a round (at most MAX_LISTED), how many jobs, objects and acknowledged events it carries. */
  jobIds: 'helpdesk.webhook.job_ids',
  jobCount: 'helpdesk.webhook.jobs',
  objectCount: 'helpdesk.webhook.objects',
  eventCount: 'helpdesk.webhook.events',
  /** Bitrix IDs of the deals in a round (at most MAX_LISTED). */
  dealIds: 'helpdesk.webhook.deal_ids',
  /** Trace contexts of a round's events that did not fit in its links. */
  linksDropped: 'helpdesk.webhook.links_dropped',
  bitrixMethod: 'bitrix.method',
  bitrixAttempts: 'bitrix.attempts',
  /** Commands in a `batch` call. */
  bitrixCommands: 'bitrix.batch.commands',
  /** Time spent waiting for the rate limiter (local bucket and shared budget) over all attempts, in ms. */
  bitrixRateLimitWaitMs: 'bitrix.rate_limit.wait_ms',
  httpStatus: 'http.response.status_code',
  /** `created`, `updated`, `unchanged`, `deleted`, `ignored`. */
  mirrorOutcome: 'helpdesk.mirror.outcome',
  socketEvent: 'helpdesk.socket.event',
  socketRooms: 'helpdesk.socket.rooms',
} as const;

/** Lists on a span (job ids, deal ids) stop at this many entries. */
export const MAX_LISTED = 50;

/** The object a webhook event or a mirror write is about, as span attributes. */
export function objectAttributes(kind: 'deal' | 'activity' | 'comment', bitrixId: number): Attributes {
  return kind === 'deal'
    ? { [SPAN_ATTRIBUTES.objectKind]: kind, [SPAN_ATTRIBUTES.objectId]: bitrixId, [SPAN_ATTRIBUTES.dealId]: bitrixId }
    : { [SPAN_ATTRIBUTES.objectKind]: kind, [SPAN_ATTRIBUTES.objectId]: bitrixId };
}
