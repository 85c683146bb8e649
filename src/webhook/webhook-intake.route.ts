import { Injectable, Logger, UnsupportedMediaTypeException } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { parse as parseContentType } from 'content-type';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import proxyAddr from 'proxy-addr';
import getRawBody from 'raw-body';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { assignRequestId } from '../common/request-id';
import { REQUEST_COMPLETED, REQUEST_FAILED, requestLogFields } from '../logging/request-log';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookRateLimiter } from '../security/rate-limit';
import { parseWebhookForm } from './webhook-event';
import { WebhookIntakeService } from './webhook-intake.service';

export const WEBHOOK_INTAKE_PATH = '/webhook-bitrix24';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const FORM_LIMIT = '1mb';
const OK_BODY = JSON.stringify('OK');

type IntakeRequest = IncomingMessage & { id?: string };
/** Which proxies may set X-Forwarded-For: Express's compiled `trust proxy` setting. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * Bitrix24's form-encoded event posts, answered by the HTTP server before Express sees them.
 * Bitrix sends one POST per changed object, so a mass update arrives at hundreds of requests a second,
 * and Express with the chain the SPA needs (helmet, CORS, cookies, body parsers, guards, pipes, the
 * per-request logger) cost several times the event's own work (BENCHMARKS.md, webhook intake). This
 * listener keeps what the endpoint needs: the request id, nosniff/no-store, the per-IP limit, the body
 * limit, the API's error shape, the latency metric and the request log line. Anything else, JSON bodies
 * included (from integrators and Swagger UI), goes on to Express and WebhookController, which documents
 * the endpoint and shares the service and the rate limit.
 */
@Injectable()
export class WebhookIntakeRoute {
  private readonly logger = new Logger('WebhookIntake');
  private readonly errors = new HttpExceptionFilter();

  constructor(
    private readonly intake: WebhookIntakeService,
    private readonly metrics: MetricsService,
    private readonly rateLimiter: WebhookRateLimiter,
  ) {}

  /** Puts this route in front of the server's request listeners (Express), which get every other request. */
  attachTo(server: Server, trustProxy: TrustProxy): void {
    const others = server.listeners('request') as RequestListener[];
    server.removeAllListeners('request');
    server.on('request', (req: IntakeRequest, res: ServerResponse) => {
      if (isFormPostToIntake(req)) this.handle(req, res, trustProxy);
      else for (const listener of others) listener.call(server, req, res);
    });
  }

  private handle(req: IntakeRequest, res: ServerResponse, trustProxy: TrustProxy): void {
    const startedAt = performance.now();
    assignRequestId(req, res);
    // With tracing on, the request's server span (instrumentation-http) gets the route Express would have given it.
    trace.getActiveSpan()?.setAttribute('http.route', WEBHOOK_INTAKE_PATH).updateName(`POST ${WEBHOOK_INTAKE_PATH}`);
    // The two of helmet's headers that matter for a JSON answer to a server; the rest concern browsers.
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    this.receive(req, proxyAddr(req, trustProxy))
      .then(
        () => {
          res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': OK_BODY.length });
          res.end(OK_BODY);
        },
        (error: unknown) => this.errors.respond(error, req, res),
      )
      .finally(() => this.record(req, res, performance.now() - startedAt));
  }

  private async receive(req: IntakeRequest, ip: string): Promise<void> {
    await this.rateLimiter.take(ip);
    const charset = charsetOf(req);
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeException('Codificação do corpo não suportada');
    // raw-body errors carry their 4xx status (413 over the limit, 400 aborted or short), mapped by the filter.
    const text = await getRawBody(req, { limit: FORM_LIMIT, length: req.headers['content-length'], encoding: 'utf-8' });
    await this.intake.accept(parseWebhookForm(text));
  }

  private record(req: IntakeRequest, res: ServerResponse, elapsedMs: number): void {
    this.metrics.httpDuration.observe({ method: 'POST', route: WEBHOOK_INTAKE_PATH, status_code: String(res.statusCode) }, elapsedMs / 1000);
    // The same line as every other request's (logging/request-log.ts).
    const line = { request_id: req.id, ...requestLogFields(req, res, elapsedMs, WEBHOOK_INTAKE_PATH) };
    if (res.statusCode >= 500) this.logger.error(line, REQUEST_FAILED);
    else if (res.statusCode >= 400) this.logger.warn(line, REQUEST_COMPLETED);
    else this.logger.log(line, REQUEST_COMPLETED);
  }
}

/** `POST /webhook-bitrix24` (Express's matching: any case, optional trailing slash) with a plain form body. */
function isFormPostToIntake(req: IncomingMessage): boolean {
  if (req.method !== 'POST' || !req.url) return false;
  const path = req.url.split('?', 1)[0].toLowerCase();
  if (path !== WEBHOOK_INTAKE_PATH && path !== `${WEBHOOK_INTAKE_PATH}/`) return false;
  if (req.headers['content-type']?.split(';', 1)[0].trim().toLowerCase() !== FORM_TYPE) return false;
  const encoding = req.headers['content-encoding']; // compressed bodies: Express's body parser inflates them
  return !encoding || encoding.toLowerCase() === 'identity';
}

function charsetOf(req: IncomingMessage): string | undefined {
  try {
    return parseContentType(req.headers['content-type'] ?? '').parameters.charset?.toLowerCase();
  } catch {
    return undefined; // malformed parameters: read as UTF-8, like the app's body parsers
  }
}
