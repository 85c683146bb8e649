import { BadRequestException, ConflictException, Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

/** A reserved key: the request runs, then `complete` (inside its transaction) or `release`. */
export interface IdempotencyReservation {
  id: number;
}

export type IdempotencyOutcome =
  | { kind: 'proceed'; reservation: IdempotencyReservation | null }
  | { kind: 'replay'; bitrixDealId: number; response: unknown };

/** A pending key older than this is considered abandoned (crashed instance) and may be taken over. */
const STALE_PENDING_MINUTES = 10;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` of `POST /ticket` (SPEC §5), stored in `ticket_idempotency_keys`: the same key from the
 * same user returns the first result and creates nothing; the same key with a different body is a 422; a
 * key whose first request is still running is a 409.
 */
@Injectable()
export class TicketIdempotencyService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async begin(userId: number, scope: string, key: string | undefined, body: unknown): Promise<IdempotencyOutcome> {
    if (key === undefined || key === '') return { kind: 'proceed', reservation: null };
    if (!KEY_FORMAT.test(key)) {
      throw new BadRequestException('Idempotency-Key: use de 1 a 255 caracteres ASCII visíveis');
    }
    const requestHash = fingerprint(body);
    const inserted: { id: number }[] = await this.dataSource.query(
      `INSERT INTO ticket_idempotency_keys (user_id, scope, idempotency_key, request_hash)
       VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, scope, idempotency_key) DO NOTHING RETURNING id`,
      [userId, scope, key, requestHash],
    );
    if (inserted.length) return { kind: 'proceed', reservation: { id: inserted[0].id } };

    const rows: { id: number; request_hash: string; status: string; response: unknown; bitrix_deal_id: number | null; stale: boolean }[] =
      await this.dataSource.query(
        `SELECT id, request_hash, status, response, bitrix_deal_id, created_at < now() - ($4 || ' minutes')::interval AS stale
         FROM ticket_idempotency_keys WHERE user_id = $1 AND scope = $2 AND idempotency_key = $3`,
        [userId, scope, key, String(STALE_PENDING_MINUTES)],
      );
    const existing = rows[0];
    if (!existing) return this.begin(userId, scope, key, body);
    if (existing.request_hash !== requestHash) {
      throw new UnprocessableEntityException('Idempotency-Key: esta chave já foi usada com outro conteúdo de requisição');
    }
    if (existing.status === 'completed' && existing.bitrix_deal_id !== null) {
      return { kind: 'replay', bitrixDealId: existing.bitrix_deal_id, response: existing.response };
    }
    if (existing.stale) {
      const taken: { id: number }[] = await this.dataSource.query(
        `UPDATE ticket_idempotency_keys SET created_at = now() WHERE id = $1 AND status = 'pending' RETURNING id`,
        [existing.id],
      );
      if (taken.length) return { kind: 'proceed', reservation: { id: existing.id } };
    }
    throw new ConflictException('Idempotency-Key: uma requisição com esta chave ainda está em andamento');
  }

  /** Marks the key done, in the same transaction as the rows it created. */
  async complete(manager: EntityManager, reservation: IdempotencyReservation | null, bitrixDealId: number, response: unknown): Promise<void> {
    if (!reservation) return;
    await manager.query(
      `UPDATE ticket_idempotency_keys SET status = 'completed', bitrix_deal_id = $2, response = $3::jsonb, completed_at = now() WHERE id = $1`,
      [reservation.id, bitrixDealId, JSON.stringify(response)],
    );
  }

  /** Frees the key after a failure, so the client's retry runs again. Never throws. */
  async release(reservation: IdempotencyReservation | null): Promise<void> {
    if (!reservation) return;
    await this.dataSource.query(`DELETE FROM ticket_idempotency_keys WHERE id = $1 AND status = 'pending'`, [reservation.id]).catch(() => undefined);
  }
}

function fingerprint(body: unknown): string {
  return createHash('sha256').update(JSON.stringify(body) ?? '').digest('hex');
}
