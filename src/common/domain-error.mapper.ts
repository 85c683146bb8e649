import { HttpException, HttpStatus } from '@nestjs/common';
import { DomainError, DomainErrorCode } from './domain-error';

/** The HTTP status of each domain error code: the one place it is chosen, for every code (the switch is exhaustive). */
export function httpStatusOf(code: DomainErrorCode): number {
  switch (code) {
    case 'BITRIX_TIMEOUT':
      return HttpStatus.GATEWAY_TIMEOUT;
    case 'BITRIX_UNAVAILABLE':
    case 'BITRIX_REJECTED':
    case 'BITRIX_AUTH':
    case 'STORAGE_UNAVAILABLE':
      return HttpStatus.BAD_GATEWAY;
    case 'MAIL_UNAVAILABLE':
      return HttpStatus.SERVICE_UNAVAILABLE;
    case 'BITRIX_NOT_FOUND':
    case 'NOT_FOUND':
      return HttpStatus.NOT_FOUND;
    case 'INVALID_VALUE':
      return HttpStatus.BAD_REQUEST;
    case 'CONFLICT':
      return HttpStatus.CONFLICT;
    case 'FORBIDDEN':
      return HttpStatus.FORBIDDEN;
    default:
      return assertUnreachable(code);
  }
}

/** A domain error as the HttpException the global filter answers with (`{ statusCode, message, detail }`); null for anything else. */
export function domainErrorToHttp(error: unknown): HttpException | null {
  if (!(error instanceof DomainError)) return null;
  const status = httpStatusOf(error.domainCode);
  return new HttpException({ statusCode: status, message: error.summary, detail: error.detail }, status, { cause: error });
}

function assertUnreachable(code: never): never {
  throw new Error(`Unmapped domain error code ${String(code)}`);
}
