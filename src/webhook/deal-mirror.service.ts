import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { BitrixDeal } from '../bitrix/bitrix.types';
import { TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';
import { TicketAccessService } from '../tickets/ticket-access.service';
import { BitrixPerson, BitrixUserDirectory } from './bitrix-user-directory.service';
import { MirrorOutcome, SqlValue, sameValue, toJsonValue, truncate } from './mirror-outcome';
import { WebhookSettings } from './webhook-settings';

/** Columns of `deals` that mirror Bitrix, with their varchar length (null: not a varchar). */
const DEAL_COLUMNS: ReadonlyArray<readonly [string, number | null]> = [
  ['title', 255],
  ['description', null],
  ['stage_id', 50],
  ['opened', 1],
  ['closed', 1],
  ['created_by_id', 10],
  ['modify_by_id', 10],
  ['moved_by_id', 10],
  ['last_activity_by_id', 10],
  ['last_communication_time', 19],
  ['close_date', null],
  ['date_deadline', null],
  ['begin_date', null],
  ['requester_department', 100],
  ['assignee_department', 100],
  ['service_category', 50],
  ['system_type', 50],
  ['priority', 50],
  ['matricula', 20],
  ['requester_email', 255],
  ['rating', null],
  ['rating_comment', null],
  ['responsible_bitrix_id', 20],
  ['bitrix_contact_id', null],
  ['responsible', 255],
  ['responsible_email', 255],
  ['responsible_id', null],
];

/** Internal IDs change the row but are not news for browsers (seed §9.5: events carry Bitrix IDs). */
const NOT_BROADCAST = new Set(['responsible_id']);

type DealRow = Record<string, SqlValue>;

interface ExistingDeal extends DealRow {
  id: number;
  user_id: number | null;
  bitrix_modified_at: Date | null;
  deleted_at: Date | null;
}

export interface DealMirrorResult {
  outcome: MirrorOutcome;
  /** Internal `deals.id` (null when ignored or unknown locally). */
  dealId: number | null;
}

/**
 * Bitrix deal → local `deals` row (the Bitrix→local half of "upsert a deal from a Bitrix deal"; the
 * Tickets module owns the local→Bitrix half). Idempotent and order-tolerant: a read older than the
 * mirrored DATE_MODIFY never overwrites it, and a re-read that changes nothing writes and broadcasts nothing.
 */
@Injectable()
export class DealMirrorService {
  private readonly logger = new Logger(DealMirrorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly fieldMap: BitrixFieldMap,
    private readonly users: BitrixUserDirectory,
    private readonly broadcaster: TicketEventsBroadcaster,
    private readonly access: TicketAccessService,
    private readonly settings: WebhookSettings,
  ) {}

  /** Bitrix user IDs a set of deals needs resolved (their responsibles). */
  static peopleOf(raws: BitrixDeal[]): string[] {
    return raws.map((raw) => (raw.ASSIGNED_BY_ID === undefined || raw.ASSIGNED_BY_ID === null ? '' : String(raw.ASSIGNED_BY_ID)));
  }

  /** Mirrors one deal as just read from Bitrix. `people` must hold its responsible (see peopleOf). */
  async upsert(raw: BitrixDeal, people: Map<string, BitrixPerson>): Promise<DealMirrorResult> {
    if (this.settings.mirrorScope === 'helpdesk' && !this.fieldMap.isHelpdeskDeal(raw)) return { outcome: 'ignored', dealId: null };
    const snapshot = this.fieldMap.fromBitrixDeal(raw);
    const person = snapshot.responsibleBitrixId ? people.get(snapshot.responsibleBitrixId) : undefined;
    const row: DealRow = {
      title: snapshot.title,
      description: snapshot.description,
      stage_id: snapshot.stageId,
      opened: snapshot.opened,
      closed: snapshot.closed,
      created_by_id: snapshot.createdById,
      modify_by_id: snapshot.modifyById,
      moved_by_id: snapshot.movedById,
      last_activity_by_id: snapshot.lastActivityById,
      last_communication_time: snapshot.lastCommunicationTime,
      close_date: snapshot.closeDate,
      date_deadline: snapshot.dateDeadline,
      begin_date: snapshot.beginDate,
      requester_department: snapshot.requesterDepartment,
      assignee_department: snapshot.assigneeDepartment,
      service_category: snapshot.serviceCategory,
      system_type: snapshot.systemType,
      priority: snapshot.priority,
      matricula: snapshot.matricula,
      requester_email: snapshot.requesterEmail,
      rating: snapshot.rating,
      rating_comment: snapshot.ratingComment,
      responsible_bitrix_id: snapshot.responsibleBitrixId,
      bitrix_contact_id: snapshot.bitrixContactId,
      responsible: person?.name ?? null,
      responsible_email: person?.email ?? null,
      responsible_id: await this.users.localUserIdByEmail(person?.email ?? null),
    };
    for (const [column, max] of DEAL_COLUMNS) {
      const value = row[column];
      if (max !== null && typeof value === 'string') row[column] = truncate(value, max);
    }
    const requesterUserId = await this.users.localUserIdByEmail(snapshot.requesterEmail);
    const bitrixDealId = snapshot.bitrixDealId;
    const modifiedAt = snapshot.bitrixModifiedAt;

    const result = await this.dataSource.transaction(async (em) => {
      let existing = await lockDeal(em, bitrixDealId);
      if (!existing) {
        const columns = DEAL_COLUMNS.map(([c]) => c);
        const values: SqlValue[] = [bitrixDealId, ...columns.map((c) => row[c]), requesterUserId, modifiedAt];
        const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
        const inserted: { id: number }[] = await em.query(
          `INSERT INTO deals (deal_id, ${columns.join(', ')}, user_id, bitrix_modified_at) VALUES (${placeholders})
           ON CONFLICT (deal_id) DO NOTHING RETURNING id`,
          values,
        );
        if (inserted.length) return { outcome: 'created' as const, dealId: inserted[0].id, changes: {} };
        // Another worker (or the Tickets module) inserted it meanwhile: continue as an update.
        existing = await lockDeal(em, bitrixDealId);
        if (!existing) throw new Error(`deal ${bitrixDealId} vanished during upsert`);
      }
      if (existing.bitrix_modified_at && modifiedAt && existing.bitrix_modified_at.getTime() > modifiedAt.getTime()) {
        return { outcome: 'unchanged' as const, dealId: existing.id, changes: {} };
      }
      const changed = DEAL_COLUMNS.map(([c]) => c).filter((c) => !sameValue(existing[c], row[c]));
      const undeleted = existing.deleted_at !== null;
      const fillRequester = existing.user_id === null && requesterUserId !== null;
      const touched = !sameValue(existing.bitrix_modified_at, modifiedAt);
      if (!changed.length && !undeleted && !fillRequester && !touched) return { outcome: 'unchanged' as const, dealId: existing.id, changes: {} };
      const sets = changed.map((c, i) => `${c} = $${i + 2}`);
      const values: SqlValue[] = [existing.id, ...changed.map((c) => row[c])];
      values.push(modifiedAt);
      sets.push(`bitrix_modified_at = $${values.length}`);
      if (fillRequester) {
        values.push(requesterUserId);
        sets.push(`user_id = $${values.length}`);
      }
      if (undeleted) sets.push('deleted_at = NULL');
      sets.push('updated_at = now()');
      await em.query(`UPDATE deals SET ${sets.join(', ')} WHERE id = $1`, values);
      const changes: Record<string, unknown> = {};
      for (const c of changed) if (!NOT_BROADCAST.has(c)) changes[c] = toJsonValue(row[c]);
      if (undeleted) changes.deleted_at = null;
      const real = Object.keys(changes).length > 0;
      return { outcome: real || fillRequester ? ('updated' as const) : ('unchanged' as const), dealId: existing.id, changes };
    });

    if (result.outcome === 'created') await this.announceCreated(bitrixDealId, row, raw, requesterUserId);
    else if (Object.keys(result.changes).length) await this.announceUpdated(bitrixDealId, result.changes);
    return { outcome: result.outcome, dealId: result.dealId };
  }

  /** Bitrix says the deal does not exist (ONCRMDEALDELETE, or any read answering "not found"). */
  async markDeleted(bitrixDealId: number): Promise<DealMirrorResult> {
    const audience = await this.access.audienceOf(bitrixDealId);
    const rows: { id: number; deleted_at: Date }[] = await this.dataSource.query(
      `WITH marked AS (UPDATE deals SET deleted_at = now(), updated_at = now() WHERE deal_id = $1 AND deleted_at IS NULL RETURNING id, deleted_at)
       SELECT id, deleted_at FROM marked`,
      [bitrixDealId],
    );
    if (!rows.length) return { outcome: 'unchanged', dealId: null };
    if (audience) {
      await this.safely('deal_updated', () =>
        this.broadcaster.dealUpdated(audience, { event: 'deal_updated', deal_id: bitrixDealId, changes: { deleted_at: rows[0].deleted_at.toISOString() } }),
      );
    }
    return { outcome: 'deleted', dealId: rows[0].id };
  }

  /** Bitrix IDs of the tickets mirrored and not deleted, ascending. */
  async liveBitrixDealIds(): Promise<number[]> {
    const rows: { deal_id: string }[] = await this.dataSource.query('SELECT deal_id FROM deals WHERE deleted_at IS NULL ORDER BY deal_id');
    return rows.map((row) => Number(row.deal_id));
  }

  /** Internal IDs of live local deals by Bitrix deal ID. */
  async internalIds(bitrixDealIds: number[]): Promise<Map<number, number>> {
    if (!bitrixDealIds.length) return new Map();
    const rows: { id: number; deal_id: number }[] = await this.dataSource.query(
      'SELECT id, deal_id FROM deals WHERE deal_id = ANY($1::int[]) AND deleted_at IS NULL',
      [bitrixDealIds],
    );
    return new Map(rows.map((r) => [r.deal_id, r.id]));
  }

  private async announceCreated(bitrixDealId: number, row: DealRow, raw: BitrixDeal, requesterUserId: number | null): Promise<void> {
    const audience = await this.access.audienceOf(bitrixDealId);
    if (!audience) return;
    let requester = this.fieldMap.dealExtras(raw).requesterName;
    if (!requester && requesterUserId !== null) {
      const users: { full_name: string }[] = await this.dataSource.query('SELECT full_name FROM users WHERE id = $1', [requesterUserId]);
      requester = users[0]?.full_name ?? null;
    }
    await this.safely('new_ticket', () =>
      this.broadcaster.ticketCreated(audience, {
        event: 'new_ticket',
        deal_id: bitrixDealId,
        title: (row.title as string | null) ?? null,
        priority: (row.priority as string | null) ?? null,
        requester: requester ?? (row.requester_email as string | null) ?? null,
      }),
    );
  }

  private async announceUpdated(bitrixDealId: number, changes: Record<string, unknown>): Promise<void> {
    const audience = await this.access.audienceOf(bitrixDealId);
    if (!audience) return;
    await this.safely('deal_updated', () => this.broadcaster.dealUpdated(audience, { event: 'deal_updated', deal_id: bitrixDealId, changes }));
  }

  /** The mirror is committed; a broadcast failure must not make the event retry (it would not re-broadcast anyway). */
  private async safely(what: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      this.logger.warn(`Broadcast ${what} failed: ${(error as Error).message}`);
    }
  }
}

async function lockDeal(em: EntityManager, bitrixDealId: number): Promise<ExistingDeal | null> {
  const columns = DEAL_COLUMNS.map(([c]) => c).join(', ');
  const rows: ExistingDeal[] = await em.query(
    `SELECT id, user_id, bitrix_modified_at, deleted_at, ${columns} FROM deals WHERE deal_id = $1 FOR UPDATE`,
    [bitrixDealId],
  );
  return rows[0] ?? null;
}
