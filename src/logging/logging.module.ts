import { Module } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { assignRequestId } from '../common/request-id';
import { AppConfig } from '../config/app-config';

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

/** Structured JSON logs (pino) with a request id on every line of a request. */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' },
          // Already assigned by the first middleware (app.setup); reused here so log lines and responses agree.
          genReqId: (req: IncomingMessage, res) => assignRequestId(req, res),
          customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
          // Query strings can carry signatures and tokens (presigned URLs, reset links): log the path only.
          serializers: {
            req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
          },
          autoLogging: { ignore: (req: IncomingMessage) => req.url === '/health' || req.url === '/metrics' },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
