import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { databaseUnavailableException } from '../database/database-unavailable';
import { DomainError } from './domain-error';
import { domainErrorToHttp } from './domain-error.mapper';

/** The one error shape of the API. `detail` keeps the field the SPA read from the FastAPI system. */
export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error?: string;
  detail: string;
  request_id?: string;
  [extra: string]: unknown;
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** Errors thrown below Nest (body-parser, multer, …) that carry a client status. */
interface StatusError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  message?: string;
}

function clientStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as StatusError;
  if (e.code === 'LIMIT_FILE_SIZE') return HttpStatus.PAYLOAD_TOO_LARGE;
  if (typeof e.code === 'string' && e.code.startsWith('LIMIT_')) return HttpStatus.BAD_REQUEST;
  const status = e.status ?? e.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function detailFor(status: number, error: unknown): string {
  const type = (error as StatusError | undefined)?.type;
  if (type === 'entity.parse.failed') return 'Corpo da requisição não é um JSON válido';
  if (type === 'entity.too.large' || status === 413) return 'Corpo da requisição excede o tamanho máximo permitido';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'Codificação do corpo não suportada';
  return REASONS[status] ?? 'Erro na requisição';
}

/**
 * Maps every exception to `{ statusCode, message, error, detail, request_id }`.
 * Input problems are 4xx; only unexpected failures are 500, with the stack trace in the log only.
 */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const ctx = host.switchToHttp();
    this.respond(exception, ctx.getRequest<IncomingMessage & { id?: string | number }>(), ctx.getResponse<ServerResponse>());
  }

  /** Writes the error response with the plain Node API: also used outside Express (WebhookIntakeRoute). */
  respond(exception: unknown, request: IncomingMessage & { id?: string | number }, response: ServerResponse): void {
    const requestId = request?.id !== undefined ? String(request.id) : undefined;
    const body = this.toBody(exception, requestId);
    if (body.statusCode >= 500 && !(exception instanceof HttpException) && !(exception instanceof DomainError)) {
      this.logger.error({ err: exception, request_id: requestId }, body.statusCode === 503 ? 'Database unavailable' : 'Unhandled error');
    } else if (body.statusCode >= 500) {
      this.logger.warn({ status: body.statusCode, detail: body.detail, request_id: requestId }, 'Upstream failure');
    }
    if (response.headersSent) return;
    const retryAfter = (exception as { retryAfterSeconds?: number })?.retryAfterSeconds;
    if (typeof retryAfter === 'number') response.setHeader('Retry-After', String(retryAfter));
    const json = JSON.stringify(body);
    response.writeHead(body.statusCode, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(json) });
    response.end(json);
  }

  private toBody(thrown: unknown, requestId: string | undefined): ErrorBody {
    const exception = thrown instanceof HttpException ? thrown : (domainErrorToHttp(thrown) ?? databaseUnavailableException(thrown) ?? thrown);
    if (exception instanceof HttpException) {
      const statusCode = exception.getStatus();
      const raw = exception.getResponse();
      const base: ErrorBody = {
        statusCode,
        message: exception.message,
        error: REASONS[statusCode],
        detail: exception.message,
      };
      if (typeof raw === 'string') {
        base.message = raw;
        base.detail = raw;
      } else if (typeof raw === 'object' && raw !== null) {
        const r = raw as Record<string, unknown>;
        Object.assign(base, r);
        const message = r.message;
        if (Array.isArray(message)) base.detail = typeof r.detail === 'string' ? r.detail : message.join('; ');
        else if (typeof r.detail === 'string') base.detail = r.detail;
        else if (typeof message === 'string') base.detail = message;
        if (base.message === undefined) base.message = base.detail;
        base.statusCode = statusCode;
      }
      return { ...base, request_id: requestId };
    }
    const clientStatus = clientStatusOf(exception);
    if (clientStatus) {
      const detail = detailFor(clientStatus, exception);
      return { statusCode: clientStatus, message: detail, error: REASONS[clientStatus], detail, request_id: requestId };
    }
    return {
      statusCode: 500,
      message: 'Erro interno do servidor',
      error: REASONS[500],
      detail: `Erro interno do servidor (request_id ${requestId ?? 'n/a'})`,
      request_id: requestId,
    };
  }
}
