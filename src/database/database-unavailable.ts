import { ServiceUnavailableException } from '@nestjs/common';

/**
 * PostgreSQL SQLSTATE classes and codes, and driver errors, that mean "the database cannot serve this
 * right now" (retrying later may succeed), as opposed to a bug or bad data: connection exceptions (08),
 * insufficient resources (53: disk full, out of memory, too many connections), operator intervention
 * (57P01–57P03: shutdown, crash recovery, not yet accepting connections).
 */
const UNAVAILABLE_SQLSTATES = /^(08|53)|^57P0[1-3]$/;
const UNAVAILABLE_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i;

const DATABASE_UNAVAILABLE_DETAIL = 'Banco de dados indisponível no momento; tente novamente em instantes';

/** Whether `error` (a pg error, or TypeORM's QueryFailedError around one) says the database is unavailable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; driverError?: unknown } | undefined, depth = 0; e && depth < 3; depth++) {
    if (typeof e.code === 'string' && (UNAVAILABLE_SQLSTATES.test(e.code) || UNAVAILABLE_NODE_CODES.has(e.code))) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    e = e.driverError as typeof e;
  }
  return false;
}

/** The API's answer (503) to an error that says the database is unavailable; null for any other error. */
export function databaseUnavailableException(error: unknown): ServiceUnavailableException | null {
  if (!isDatabaseUnavailable(error)) return null;
  return new ServiceUnavailableException({ message: DATABASE_UNAVAILABLE_DETAIL, detail: DATABASE_UNAVAILABLE_DETAIL });
}
