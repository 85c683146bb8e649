import { HttpException, HttpStatus } from '@nestjs/common';
import { domainErrorToHttp } from '../common/domain-error.mapper';
import { databaseUnavailableException } from '../database/database-unavailable';

/**
 * A failure of an upstream step (Bitrix24, S3, the database) after some attachments had reached Bitrix
 * Disk and could not be moved to its trash either: the answer keeps the upstream status and detail and
 * reports the orphaned Disk file IDs so an operator can remove them.
 */
export class TicketUpstreamError extends HttpException {
  constructor(cause: unknown, orphanedBitrixFileIds: number[]) {
    const upstream = cause instanceof HttpException ? cause : (domainErrorToHttp(cause) ?? databaseUnavailableException(cause));
    const status = upstream?.getStatus() ?? HttpStatus.INTERNAL_SERVER_ERROR;
    const raw = upstream?.getResponse() ?? null;
    const base = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const upstreamDetail = typeof base.detail === 'string' ? base.detail : typeof raw === 'string' ? raw : 'Erro interno do servidor';
    const detail = `${upstreamDetail} Anexos já enviados ao Bitrix Disk e não vinculados a chamado: IDs ${orphanedBitrixFileIds.join(', ')}.`;
    super({ ...base, statusCode: status, message: detail, detail, orphaned_bitrix_file_ids: orphanedBitrixFileIds }, status, { cause });
  }
}
