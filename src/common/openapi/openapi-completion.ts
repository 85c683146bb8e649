import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ParameterObject,
  PathItemObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';

/** Set by @Public() and @AdminOnly() on their operations; read (and removed) by completeOpenApiDocument. */
export const PUBLIC_EXTENSION = 'x-public';
export const ADMIN_ONLY_EXTENSION = 'x-admin-only';

export const ERROR_SCHEMA_NAME = 'ErrorResponseDto';
const ERROR_CONTENT = { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } };

/** What each error status means, when the operation does not say more. */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  '400': 'Requisição inválida: `message` nomeia o campo e `errors` lista cada campo inválido',
  '401': 'Sem login, ou token ausente, inválido, expirado ou de sessão revogada',
  '403': 'Sem permissão, ou sessão por cookie vinda de uma origem não permitida (proteção CSRF; a mensagem lista as origens permitidas)',
  '404': 'Não encontrado',
  '409': 'Conflito com o estado atual',
  '413': 'Corpo da requisição acima do limite',
  '414': 'URL acima do tamanho máximo',
  '415': 'Content-Type ou charset não suportado',
  '422': 'Requisição não processável',
  '429': 'Limite de requisições excedido (veja o cabeçalho Retry-After)',
  '431': 'Cabeçalhos acima do tamanho máximo (cookies demais?)',
  '500': 'Erro inesperado (a resposta traz `request_id`; os detalhes ficam só no log)',
  '502': 'Falha do Bitrix24 ou do armazenamento (S3)',
  '503': 'Banco de dados (ou outro serviço necessário) indisponível; tente novamente',
  '504': 'Tempo esgotado aguardando o Bitrix24',
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Operations that answer without the database (liveness and metrics). */
const WITHOUT_DATABASE = new Set(['get /health', 'get /metrics']);

type ExtendedOperation = OperationObject & { [PUBLIC_EXTENSION]?: boolean; [ADMIN_ONLY_EXTENSION]?: boolean };

function isReference(response: unknown): boolean {
  return typeof response === 'object' && response !== null && '$ref' in response;
}

/** The error statuses an operation can answer, besides those its decorators declare. */
function impliedErrorStatuses(method: string, path: string, op: ExtendedOperation): string[] {
  // Any request: an oversized URL or header block is answered before routing (common/client-error.handler).
  const statuses = ['414', '431', '500'];
  // Whatever the operation declares, a body sent with a state-changing method is parsed (bad JSON: 400).
  const takesBody = op.requestBody !== undefined || method !== 'get';
  if (takesBody || (op.parameters?.length ?? 0) > 0) statuses.push('400');
  if (takesBody) statuses.push('413', '415');
  if (!op[PUBLIC_EXTENSION]) statuses.push('401');
  // AdminOnly, and the CSRF origin check on every state-changing request that carries session cookies.
  if (op[ADMIN_ONLY_EXTENSION] || method !== 'get') statuses.push('403');
  if (!WITHOUT_DATABASE.has(`${method} ${path}`)) statuses.push('503');
  return statuses;
}

/**
 * Completes what the decorators leave out, in one place so a new endpoint gets it too: the error schema
 * (`ErrorResponseDto`, the filter's one shape) on every error status each operation can answer, and
 * `security` on every operation (`[]` on @Public() ones, cookie or bearer on the others).
 */
export function completeOpenApiDocument(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths) as [string, PathItemObject][]) {
    for (const method of METHODS) {
      const op = item[method] as ExtendedOperation | undefined;
      if (!op) continue;
      const responses = op.responses as Record<string, ResponseObject>;
      for (const status of impliedErrorStatuses(method, path, op)) {
        responses[status] ??= { description: ERROR_DESCRIPTIONS[status] };
      }
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]\d\d$/.test(status) || isReference(response)) continue;
        response.description ||= ERROR_DESCRIPTIONS[status] ?? 'Erro';
        response.content = ERROR_CONTENT;
      }
      // Swagger UI prefills a path parameter from the parameter's own example (ApiParam keeps it in the schema).
      for (const parameter of (op.parameters ?? []) as ParameterObject[]) {
        const example = (parameter.schema as SchemaObject | undefined)?.example;
        if (parameter.in === 'path' && parameter.example === undefined && example !== undefined) parameter.example = example;
      }
      op.security = op[PUBLIC_EXTENSION] ? [] : [{ cookie: [] }, { bearer: [] }];
      delete op[PUBLIC_EXTENSION];
      delete op[ADMIN_ONLY_EXTENSION];
    }
  }
  return document;
}
