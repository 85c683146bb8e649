import { HttpException, HttpStatus } from '@nestjs/common';
import { DATABASE_UNAVAILABLE_DETAIL, isDatabaseUnavailable } from '../database/database-unavailable';

/**
 * A failure of an upstream step (Bitrix24, S3, the database) after some attachments had reached Bitrix
 * Disk and could not be moved to its trash either: the answer keeps the upstream status and detail and
 * reports the orphaned Disk file IDs so an operator can remove them.
 */
export class TicketUpstreamError extends HttpException {
  constructor(cause: unknown, orphanedBitrixFileIds: number[]) {
    const unavailable = !(cause instanceof HttpException) && isDatabaseUnavailable(cause);
    const status = cause instanceof HttpException ? cause.getStatus() : unavailable ? HttpStatus.SERVICE_UNAVAILABLE : HttpStatus.INTERNAL_SERVER_ERROR;
    const raw = cause instanceof HttpException ? cause.getResponse() : null;
    const base = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const fallback = unavailable ? DATABASE_UNAVAILABLE_DETAIL : 'Erro interno do servidor';
    const upstreamDetail = typeof base.detail === 'string' ? base.detail : typeof raw === 'string' ? raw : fallback;
    const detail = `${upstreamDetail} Anexos já enviados ao Bitrix Disk e não vinculados a chamado: IDs ${orphanedBitrixFileIds.join(', ')}.`;
    super({ ...base, statusCode: status, message: detail, detail, orphaned_bitrix_file_ids: orphanedBitrixFileIds }, status, { cause });
  }
}
