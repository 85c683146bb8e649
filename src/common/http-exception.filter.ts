import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { databaseUnavailableException } from '../database/database-unavailable';
import { DomainError } from './domain-error';
import { domainErrorToHttp } from './domain-error.mapper';
import type { FieldError } from './validation/validation-exception.factory';

/**
 * The one error shape of the API, on every status. `detail` is the field the SPA read from the FastAPI
 * system (`HTTPException(detail=...)`); `message` is the same Portuguese sentence (always a string);
 * `errors` lists each invalid field of a 400. Documented as `ErrorResponseDto` in the OpenAPI.
 */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  detail: string;
  errors?: FieldError[];
  /** The field a 409 or an attachment error is about. */
  field?: string;
  /** Bitrix Disk files a failed ticket creation could not remove (see TicketUpstreamError). */
  orphaned_bitrix_file_ids?: number[];
  /** The per-dependency state of a failed readiness check (terminus). */
  details?: Record<string, unknown>;
  request_id?: string;
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

/** The Portuguese sentence of a status when the exception carries none of its own. */
const DEFAULT_DETAILS: Record<number, string> = {
  400: 'Requisição inválida',
  401: 'Não autenticado: faça login ou envie um access token válido',
  403: 'Acesso negado',
  404: 'Recurso não encontrado',
  405: 'Método não permitido',
  408: 'Tempo esgotado aguardando a requisição',
  409: 'Conflito com o estado atual do recurso',
  413: 'Corpo da requisição excede o tamanho máximo permitido',
  415: 'Tipo de conteúdo não suportado',
  422: 'Requisição não processável',
  429: 'Muitas requisições. Tente novamente mais tarde.',
  500: 'Erro interno do servidor',
  502: 'Falha de um serviço externo (Bitrix24 ou armazenamento). Tente novamente.',
  503: 'Serviço temporariamente indisponível. Tente novamente.',
  504: 'Tempo esgotado aguardando um serviço externo (Bitrix24)',
};

/** English sentences of Nest, Express, multer and busboy that reach clients, in Portuguese. */
const ENGLISH_DETAILS: [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^Cannot (GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (.*)$/, (m) => `Rota não encontrada: ${m[1]} ${m[2].slice(0, 200)}`],
  [/^Forbidden resource$/, () => DEFAULT_DETAILS[403]],
  [/^Unexpected (file )?field/, () => 'Campo de arquivo inesperado no multipart (envie a imagem no campo "file")'],
  [/is not valid JSON|^Unexpected (token|end of JSON|non-whitespace)|in JSON at position/, () => 'Corpo da requisição não é um JSON válido (esperado um objeto JSON)'],
  [/^(Multipart|Unexpected end of form|Malformed part header|Boundary not found)/i, () => 'Corpo multipart malformado'],
  [/^File too large$/, () => DEFAULT_DETAILS[413]],
  [/^Validation failed \(uuid/, () => 'id: deve ser um UUID'],
  [/^ThrottlerException/, () => DEFAULT_DETAILS[429]],
];

function defaultDetail(status: number): string {
  return DEFAULT_DETAILS[status] ?? (status >= 500 ? DEFAULT_DETAILS[500] : DEFAULT_DETAILS[400]);
}

/** A client-facing sentence: Portuguese, never an HTTP reason phrase or a framework's English default. */
function portugueseDetail(status: number, text: string | undefined): string {
  if (!text || text === REASONS[status] || /^(Http|[A-Z][a-z]+)?Exception$/.test(text) || text.endsWith(' Exception')) return defaultDetail(status);
  for (const [pattern, render] of ENGLISH_DETAILS) {
    const match = text.match(pattern);
    if (match) return render(match);
  }
  return text;
}

function detailFor(status: number, error: unknown): string {
  const type = (error as StatusError | undefined)?.type;
  if (type === 'entity.parse.failed') return 'Corpo da requisição não é um JSON válido';
  if (type === 'entity.too.large' || status === 413) return 'Corpo da requisição excede o tamanho máximo permitido';
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return 'Codificação do corpo não suportada';
  if (type === 'request.aborted') return 'Requisição interrompida pelo cliente';
  return portugueseDetail(status, (error as StatusError | undefined)?.message);
}

function isFieldErrorList(value: unknown): value is FieldError[] {
  return Array.isArray(value) && value.every((e) => typeof e === 'object' && e !== null && typeof (e as FieldError).field === 'string' && typeof (e as FieldError).message === 'string');
}

/** The one shape, from an HttpException's response (a string, or an object in any of Nest's forms). */
function bodyOfHttpException(statusCode: number, raw: string | object, fallback: string): ErrorBody {
  const r = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const message = typeof raw === 'string' ? raw : r.message;
  const text = typeof r.detail === 'string' ? r.detail : Array.isArray(message) ? message.map(String).join('; ') : typeof message === 'string' ? message : fallback;
  const detail = portugueseDetail(statusCode, text);
  const body: ErrorBody = { statusCode, error: REASONS[statusCode] ?? (statusCode >= 500 ? REASONS[500] : REASONS[400]), message: detail, detail };
  if (isFieldErrorList(r.errors) && r.errors.length > 0) body.errors = r.errors;
  if (typeof r.field === 'string') body.field = r.field;
  if (Array.isArray(r.orphaned_bitrix_file_ids)) body.orphaned_bitrix_file_ids = r.orphaned_bitrix_file_ids.filter((id): id is number => typeof id === 'number');
  if (typeof r.details === 'object' && r.details !== null && !Array.isArray(r.details)) body.details = r.details as Record<string, unknown>;
  return body;
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
      return { ...bodyOfHttpException(exception.getStatus(), exception.getResponse(), exception.message), request_id: requestId };
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
