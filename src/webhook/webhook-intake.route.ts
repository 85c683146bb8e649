import { Injectable, Logger, UnsupportedMediaTypeException } from '@nestjs/common';
import { parse as parseContentType } from 'content-type';
import type { NextFunction, Request, Response } from 'express';
import qs from 'qs';
import getRawBody from 'raw-body';
import { HttpExceptionFilter } from '../common/http-exception.filter';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookRateLimiter } from '../security/rate-limit';
import { WebhookIntakeService } from './webhook-intake.service';

export const WEBHOOK_INTAKE_PATH = '/webhook-bitrix24';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const FORM_LIMIT = '1mb';
const OK_BODY = JSON.stringify('OK');

type IntakeRequest = Request & { id?: string };

/**
 * Bitrix24's form-encoded event posts, served ahead of the general middleware chain (app.setup mounts
 * it first). Bitrix sends one POST per changed object, so a mass update arrives at hundreds of requests
 * a second, and the chain the SPA needs (helmet, CORS, cookies, body parsers, guards, pipes, the
 * per-request logger) cost four times the event's own work (BENCHMARKS.md, webhook intake). This route
 * keeps what the endpoint needs: the request id, the per-IP limit, the body limit, the API's error shape,
 * the latency metric and the request log line. Other content types (JSON from integrators and Swagger
 * UI) continue to WebhookController, which documents the endpoint and shares the service and the limit.
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

  /** Express handler for `POST /webhook-bitrix24`. */
  readonly handle = (request: Request, res: Response, next: NextFunction): void => {
    if (!isPlainForm(request)) return next();
    const req = request as IntakeRequest;
    const startedAt = performance.now();
    this.receive(req)
      .then(
        () => {
          res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': OK_BODY.length });
          res.end(OK_BODY);
        },
        (error: unknown) => this.errors.respond(error, req, res),
      )
      .finally(() => this.record(req, res, performance.now() - startedAt));
  };

  private async receive(req: IntakeRequest): Promise<void> {
    await this.rateLimiter.take(req.ip ?? '');
    const charset = charsetOf(req);
    if (charset && charset !== 'utf-8' && charset !== 'utf8') throw new UnsupportedMediaTypeException('Codificação do corpo não suportada');
    // raw-body errors carry their 4xx status (413 over the limit, 400 aborted or short), mapped by the filter.
    const text = await getRawBody(req, { limit: FORM_LIMIT, length: req.headers['content-length'], encoding: 'utf-8' });
    // The same parser and limits as the app's urlencoded body parser, so both routes read a form alike.
    await this.intake.accept(qs.parse(text, { depth: 5, parameterLimit: 2000 }));
  }

  private record(req: IntakeRequest, res: Response, elapsedMs: number): void {
    this.metrics.httpDuration.observe({ method: 'POST', route: WEBHOOK_INTAKE_PATH, status_code: String(res.statusCode) }, elapsedMs / 1000);
    const line = { req: { id: req.id, method: req.method, url: WEBHOOK_INTAKE_PATH }, res: { statusCode: res.statusCode }, responseTime: Math.round(elapsedMs) };
    if (res.statusCode >= 500) this.logger.error(line, 'request errored');
    else if (res.statusCode >= 400) this.logger.warn(line, 'request completed');
    else this.logger.log(line, 'request completed');
  }
}

/** A form body this route can read: urlencoded, not compressed (anything else goes to the controller). */
function isPlainForm(req: Request): boolean {
  const type = req.headers['content-type']?.split(';', 1)[0].trim().toLowerCase();
  if (type !== FORM_TYPE) return false;
  const encoding = req.headers['content-encoding'];
  return !encoding || encoding.toLowerCase() === 'identity';
}

function charsetOf(req: Request): string | undefined {
  try {
    return parseContentType(req.headers['content-type'] ?? '').parameters.charset?.toLowerCase();
  } catch {
    return undefined; // malformed parameters: read as UTF-8, like the app's body parsers
  }
}
