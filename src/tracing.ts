import type { NodeSDK } from '@opentelemetry/sdk-node';

/**
 * OpenTelemetry traces (OTLP over HTTP, JSON), on only when an OTLP endpoint is configured.
 *
 * Loaded by `src/main.ts` before anything else, because the auto-instrumentations patch `http`, `express` and
 * `pg` as they are required: a module loaded before the SDK starts is not traced. The OTEL_* variables are read
 * here, straight from the environment, as every OpenTelemetry SDK does (the exporter reads its own
 * `OTEL_EXPORTER_OTLP_*` settings), so they are not part of `config.loader.ts`.
 *
 * When neither `OTEL_EXPORTER_OTLP_ENDPOINT` nor `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, nothing is loaded,
 * started or patched; `@opentelemetry/api` (used for trace ids in log lines) then answers with no-ops.
 */
export const DEFAULT_SERVICE_NAME = 'carvalima-helpdesk-api';

/** Requests that are never traced: liveness probes and Prometheus scrapes (the same ones the request log skips). */
const UNTRACED_PATHS = new Set(['/health', '/metrics']);

/**
 * Query parameters whose values never reach a span (`url.query`): the OIDC callback's code and state, the
 * availability check's value (may be a CPF), our signed file links' signature, the token-like names that
 * `bitrix-url-redaction.ts` also hides, and the SDK's own defaults (signed S3/GCS links).
 */
const REDACTED_QUERY_PARAMS = [
  'code',
  'state',
  'value',
  'signature',
  'token',
  'auth',
  'access_token',
  'refresh_token',
  'application_token',
  'auth[application_token]',
  'sig',
  'Signature',
  'AWSAccessKeyId',
  'X-Goog-Signature',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'X-Amz-Security-Token',
];

let sdk: NodeSDK | undefined;

export function tracingEnabled(env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

/** Starts the SDK once, when an endpoint is configured; returns whether tracing is on. */
export function startTracing(env: Record<string, string | undefined> = process.env): boolean {
  if (sdk) return true;
  if (!tracingEnabled(env)) return false;
  // Required here, not imported at the top: with tracing off, the SDK and its instrumentations are never loaded.
  const { NodeSDK, resources } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation, ExpressLayerType } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME,
    // The SDK's default detectors plus a `service.instance.id` (a UUID per process, unless OTEL_RESOURCE_ATTRIBUTES
    // names one): one trace crosses instances, and each span must say which one. OTEL_NODE_RESOURCE_DETECTORS wins.
    resourceDetectors: env.OTEL_NODE_RESOURCE_DETECTORS?.trim()
      ? undefined
      : [resources.serviceInstanceIdDetector, resources.envDetector, resources.processDetector, resources.hostDetector],
    // The exporter takes its URL, headers and timeout from OTEL_EXPORTER_OTLP_[TRACES_]* itself.
    traceExporter: new OTLPTraceExporter(),
    // Traces only in this version: no OTLP metrics (Prometheus serves /metrics) and no OTLP logs (pino writes them).
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.has(req.url ?? ''),
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
        redactedQueryParams: REDACTED_QUERY_PARAMS,
      }),
      // Route handler spans only: one span per middleware (helmet, CORS, cookies, parsers, ...) was most of a
      // listing's exported bytes and says nothing the server span does not.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      // Only queries made inside a traced operation: pg-boss polls the database on every instance all day long.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
  return true;
}

/** How long a shutdown waits for the last export: a collector that is down must not hold the drain. */
const SHUTDOWN_FLUSH_MS = 3000;

/**
 * Exports the spans still buffered and stops the SDK (graceful shutdown); a no-op when tracing is off.
 * Never throws: a collector that refuses or hangs costs the last spans (one line on stderr), not a failed shutdown.
 */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  if (!running) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not done in ${SHUTDOWN_FLUSH_MS} ms`)), SHUTDOWN_FLUSH_MS);
    timer.unref();
  });
  try {
    await Promise.race([running.shutdown(), timeout]);
  } catch (error) {
    process.stderr.write(`Tracing: the last spans could not be exported at shutdown: ${(error as Error)?.message ?? String(error)}\n`);
  } finally {
    clearTimeout(timer);
  }
}

startTracing();
