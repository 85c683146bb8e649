import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * A failure of an upstream step (Bitrix24, S3) after some attachments had already reached Bitrix Disk,
 * which has no delete in our client: the answer keeps the upstream status and detail and reports the
 * orphaned Disk file IDs so an operator can remove them.
 */
export class TicketUpstreamError extends HttpException {
  constructor(cause: unknown, orphanedBitrixFileIds: number[]) {
    const status = cause instanceof HttpException ? cause.getStatus() : HttpStatus.INTERNAL_SERVER_ERROR;
    const raw = cause instanceof HttpException ? cause.getResponse() : null;
    const base = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
    const upstreamDetail = typeof base.detail === 'string' ? base.detail : typeof raw === 'string' ? raw : 'Erro interno do servidor';
    const detail = `${upstreamDetail} Anexos já enviados ao Bitrix Disk e não vinculados a chamado: IDs ${orphanedBitrixFileIds.join(', ')}.`;
    super({ ...base, statusCode: status, message: detail, detail, orphaned_bitrix_file_ids: orphanedBitrixFileIds }, status, { cause });
  }
}
