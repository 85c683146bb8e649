import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { fitToColumns } from '../database/fit-to-columns';
import { changedProperties, sameAtBitrixPrecision } from './deal-changes';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';
import { TicketChangeRecorder } from './ticket-change-recorder';

/** The columns of `deals` that mirror Bitrix (what a re-read may overwrite), as Deal properties. */
export const BITRIX_DEAL_PROPERTIES = [
  'title',
  'description',
  'stageId',
  'opened',
  'closed',
  'createdById',
  'modifyById',
  'movedById',
  'lastActivityById',
  'lastCommunicationTime',
  'closeDate',
  'dateDeadline',
  'beginDate',
  'requesterDepartment',
  'assigneeDepartment',
  'serviceCategory',
  'systemType',
  'priority',
  'matricula',
  'requesterEmail',
  'rating',
  'ratingComment',
  'responsibleBitrixId',
  'bitrixContactId',
  'responsible',
  'responsibleEmail',
  'responsibleId',
  'createdAt',
] as const satisfies readonly (keyof Deal)[];

export type BitrixDealProperty = (typeof BITRIX_DEAL_PROPERTIES)[number];

/** A deal as just read from Bitrix, resolved to local terms (see DealMirrorService). */
export interface DealFromBitrix {
  bitrixDealId: number;
  /** Only the properties given are written; an absent one keeps the row's value. */
  fields: Partial<Pick<Deal, BitrixDealProperty>>;
  /** DATE_MODIFY of this read: an older read never overwrites a newer one. */
  bitrixModifiedAt: Date | null;
  /** The local requester (fills `user_id` when the row has none; never replaces one). */
  requesterUserId: number | null;
}

export interface DealUpsertResult {
  outcome: 'created' | 'updated' | 'unchanged';
  /** The row before this write (null when created). */
  before: Deal | null;
  deal: Deal;
}

export interface NewFileRow {
  storageKey: string;
  filename: string;
  bitrixFileId: number | null;
}

/**
 * The one writer of `deals` and of its attachments' table `deal_files`, for every path that changes them:
 * ticket actions (POST /ticket, /close-ticket), the webhook workers and `npm run sync` (upsertFromBitrix,
 * markDeleted), listings (markRead) and new activities (markUnread). A creation or a change of what Bitrix owns
 * is also handed to the TicketChangeRecorder (the notification outbox) inside its transaction.
 */
@Injectable()
export class DealsRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly changes?: TicketChangeRecorder,
  ) {}

  /** A live (not deleted) ticket by its public Bitrix ID. */
  findByBitrixId(bitrixDealId: number): Promise<Deal | null> {
    return this.dataSource.getRepository(Deal).createQueryBuilder('d').where('d.deal_id = :bitrixDealId AND d.deleted_at IS NULL', { bitrixDealId }).getOne();
  }

  findFiles(dealId: number): Promise<DealFile[]> {
    return this.dataSource.getRepository(DealFile).find({ where: { dealId }, order: { id: 'ASC' } });
  }

  /**
   * A ticket made through POST /ticket and its files, in one transaction; `alsoInTransaction` adds work that
   * must commit with them (the idempotency record). Upsert by Bitrix ID: the webhook may mirror the new deal first.
   */
  async saveNewTicket(
    values: QueryDeepPartialEntity<Deal> & { bitrixDealId: number },
    files: NewFileRow[],
    alsoInTransaction: (manager: EntityManager, deal: Deal) => Promise<void>,
  ): Promise<{ deal: Deal; files: DealFile[] }> {
    return this.dataSource.transaction(async (manager) => {
      const fitted = fitToColumns(manager.connection.getMetadata(Deal), values);
      const overwrite = Object.keys(fitted).filter((key) => key !== 'bitrixDealId');
      const result = await manager.createQueryBuilder().insert().into(Deal).values(fitted).orUpdate(columnsOf(manager, overwrite), ['deal_id']).returning(['id']).execute();
      const dealId = Number((result.raw as { id: number }[])[0].id);
      const savedFiles = files.length
        ? await manager.save(
            DealFile,
            files.map((f) => manager.create(DealFile, fitToColumns(manager.connection.getMetadata(DealFile), { dealId, storageKey: f.storageKey, filename: f.filename, bitrixFileId: f.bitrixFileId }))),
          )
        : [];
      const deal = await manager.findOneByOrFail(Deal, { id: dealId });
      await alsoInTransaction(manager, deal);
      await this.changes?.record(manager, { kind: 'deal_created', deal, actorUserId: deal.userId });
      return { deal, files: savedFiles };
    });
  }

  /** Writes the given columns of a ticket (a ticket action of `actorUserId`) and returns it re-read. */
  async updateTicket(dealId: number, values: QueryDeepPartialEntity<Deal>, actorUserId: number | null = null): Promise<Deal> {
    return this.dataSource.transaction(async (manager) => {
      const before = await manager.getRepository(Deal).createQueryBuilder('d').setLock('pessimistic_write').where('d.id = :dealId', { dealId }).getOneOrFail();
      await manager.update(Deal, { id: dealId }, fitToColumns(manager.connection.getMetadata(Deal), values));
      const after = await manager.findOneByOrFail(Deal, { id: dealId });
      await this.changes?.record(manager, { kind: 'deal_updated', before, after, actorUserId });
      return after;
    });
  }

  /**
   * Mirrors a deal as read from Bitrix: inserts it, or writes the properties whose value changed (compared
   * at Bitrix's whole-second precision). Idempotent and order-tolerant: a read older than the mirrored
   * DATE_MODIFY changes nothing, and a deleted ticket that Bitrix lists again comes back.
   */
  async upsertFromBitrix(input: DealFromBitrix): Promise<DealUpsertResult> {
    return this.dataSource.transaction(async (manager) => {
      const fields = fitToColumns(manager.connection.getMetadata(Deal), input.fields);
      let before = await lockByBitrixId(manager, input.bitrixDealId);
      if (!before) {
        const result = await manager
          .createQueryBuilder()
          .insert()
          .into(Deal)
          .values({ ...fields, bitrixDealId: input.bitrixDealId, userId: input.requesterUserId, bitrixModifiedAt: input.bitrixModifiedAt })
          .orIgnore()
          .returning(['id'])
          .execute();
        const inserted = result.raw as { id: number }[];
        if (inserted.length) {
          const deal = await manager.findOneByOrFail(Deal, { id: inserted[0].id });
          await this.changes?.record(manager, { kind: 'deal_created', deal, actorUserId: null });
          return { outcome: 'created', before: null, deal };
        }
        // Another worker (or POST /ticket) inserted it meanwhile: continue as an update.
        before = await lockByBitrixId(manager, input.bitrixDealId);
        if (!before) throw new Error(`deal ${input.bitrixDealId} vanished during upsert`);
      }
      if (before.bitrixModifiedAt && input.bitrixModifiedAt && before.bitrixModifiedAt.getTime() > input.bitrixModifiedAt.getTime()) {
        return { outcome: 'unchanged', before, deal: before };
      }
      const set: QueryDeepPartialEntity<Deal> = {};
      for (const key of changedProperties(before, fields)) (set as Record<string, unknown>)[key] = fields[key];
      if (before.deletedAt !== null) set.deletedAt = null;
      if (before.userId === null && input.requesterUserId !== null) set.userId = input.requesterUserId;
      const changed = Object.keys(set).length > 0;
      if (!changed && sameAtBitrixPrecision(before.bitrixModifiedAt, input.bitrixModifiedAt)) return { outcome: 'unchanged', before, deal: before };
      set.bitrixModifiedAt = input.bitrixModifiedAt;
      await manager.update(Deal, { id: before.id }, set);
      const after = await manager.findOneByOrFail(Deal, { id: before.id });
      if (changed) await this.changes?.record(manager, { kind: 'deal_updated', before, after, actorUserId: null });
      return { outcome: changed ? 'updated' : 'unchanged', before, deal: after };
    });
  }

  /** Bitrix says the deal does not exist: the ticket is marked deleted (hidden). Null when it was not live. */
  async markDeleted(bitrixDealId: number): Promise<Deal | null> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(Deal)
      .set({ deletedAt: () => 'now()' })
      .where('deal_id = :bitrixDealId AND deleted_at IS NULL', { bitrixDealId })
      .returning(['id'])
      .execute();
    const rows = result.raw as { id: number }[];
    return rows.length ? this.dataSource.getRepository(Deal).findOneByOrFail({ id: rows[0].id }) : null;
  }

  /** Clears the unread flag without touching `updated_at` (reading is not a change of the ticket). */
  async markRead(dealId: number): Promise<void> {
    await this.setUnread(dealId, false);
  }

  /** A new timeline entry arrived: the ticket shows as unread. */
  async markUnread(dealId: number): Promise<void> {
    await this.setUnread(dealId, true);
  }

  /** Bitrix IDs of the tickets mirrored and not deleted, ascending. */
  async liveBitrixDealIds(): Promise<number[]> {
    const rows = await this.dataSource.getRepository(Deal).createQueryBuilder('d').select('d.deal_id', 'deal_id').where('d.deleted_at IS NULL').orderBy('d.deal_id').getRawMany<{ deal_id: number }>();
    return rows.map((row) => Number(row.deal_id));
  }

  /** Internal IDs of live tickets by Bitrix deal ID. */
  async internalIds(bitrixDealIds: number[]): Promise<Map<number, number>> {
    if (!bitrixDealIds.length) return new Map();
    const rows = await this.dataSource
      .getRepository(Deal)
      .createQueryBuilder('d')
      .select(['d.id AS id', 'd.deal_id AS deal_id'])
      .where('d.deal_id IN (:...ids) AND d.deleted_at IS NULL', { ids: bitrixDealIds })
      .getRawMany<{ id: number; deal_id: number }>();
    return new Map(rows.map((r) => [Number(r.deal_id), Number(r.id)]));
  }

  private async setUnread(dealId: number, unread: boolean): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .update(Deal)
      .set({ isUnread: unread, updatedAt: () => 'updated_at' })
      .where('id = :dealId AND is_unread <> :unread', { dealId, unread })
      .execute();
  }
}

function lockByBitrixId(manager: EntityManager, bitrixDealId: number): Promise<Deal | null> {
  return manager.getRepository(Deal).createQueryBuilder('d').setLock('pessimistic_write').where('d.deal_id = :bitrixDealId', { bitrixDealId }).getOne();
}

/** Database column names of Deal properties. */
function columnsOf(manager: EntityManager, properties: string[]): string[] {
  const metadata = manager.connection.getMetadata(Deal);
  return properties.map((p) => metadata.findColumnWithPropertyName(p)?.databaseName).filter((c): c is string => !!c);
}
