import { Module } from '@nestjs/common';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { Options } from 'pino-http';
import { assignRequestId } from '../common/request-id';
import { redactBitrixSecrets } from '../bitrix/bitrix-url-redaction';
import { AppConfig } from '../config/app-config';
import { REQUEST_COMPLETED, REQUEST_FAILED, requestLogFields, type LoggedRequest } from './request-log';

/** Values that must never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.new_password',
  '*.hashed_password',
  '*.cpf',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.application_token',
  '*.auth',
  '*.inboundUrl',
  '*.webhookUrl',
];

/**
 * Structured logs (pino): JSON lines in production, readable lines with `LOG_FORMAT=pretty` (npm start).
 * One line per request (`request-log.ts`: method, route, path, status, duration, request id, user id);
 * every line logged while a request is handled carries its `request_id`, and nothing else of the request.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({ pinoHttp: pinoHttpOptions(config) }),
    }),
  ],
})
export class LoggingModule {}

export function pinoHttpOptions(config: Pick<AppConfig, 'logLevel' | 'logFormat'>): Options<IncomingMessage, ServerResponse> {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
    // Paths cover known keys; a Bitrix link can be anywhere in a line (a message, an error): each line is scrubbed.
    hooks: { streamWrite: redactBitrixSecrets },
    // Links each line to its trace when tracing is on (src/tracing.ts); with no SDK there is never an active span.
    mixin: traceIdsOfActiveSpan,
    ...(config.logFormat === 'pretty'
      ? { transport: { target: 'pino-pretty', options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } }
      : {}),
    // Already assigned by the first middleware (app.setup); reused here so log lines and responses agree.
    genReqId: (req, res) => assignRequestId(req, res),
    customAttributeKeys: { reqId: 'request_id', responseTime: 'duration_ms' },
    // Lines logged during a request carry only its id; the request line itself is built by requestLogFields.
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessObject: (req, res, value: { duration_ms: number }) => requestLogFields(req as LoggedRequest, res, value.duration_ms),
    customErrorObject: (req, res, error, value: { duration_ms: number }) => ({
      ...requestLogFields(req as LoggedRequest, res, value.duration_ms),
      // The global filter logs the stack of an unexpected error; this line says what failed.
      error: error.message,
    }),
    customSuccessMessage: () => REQUEST_COMPLETED,
    customErrorMessage: () => REQUEST_FAILED,
    autoLogging: { ignore: (req) => req.url === '/health' || req.url === '/metrics' },
  };
}

/** `trace_id`/`span_id` of the span active where the line is logged, or nothing. */
export function traceIdsOfActiveSpan(): { trace_id?: string; span_id?: string } {
  const spanContext = trace.getSpan(context.active())?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
