import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { User } from '../users/user.entity';
import { Activity } from './entities/activity.entity';
import { ActivityFile } from './entities/activity-file.entity';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';

export interface NewFileRow {
  storageKey: string;
  filename: string;
  bitrixFileId: number | null;
}

/** Writes and single-ticket reads of the tickets mirror. Multi-row writes run in one transaction. */
@Injectable()
export class TicketsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A live (not deleted) ticket by its public Bitrix ID. */
  findByBitrixId(bitrixDealId: number): Promise<Deal | null> {
    return this.dataSource.getRepository(Deal).createQueryBuilder('d').where('d.deal_id = :bitrixDealId AND d.deleted_at IS NULL', { bitrixDealId }).getOne();
  }

  findDealFiles(dealId: number): Promise<DealFile[]> {
    return this.dataSource.getRepository(DealFile).find({ where: { dealId }, order: { id: 'ASC' } });
  }

  findUserById(id: number): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  /** The local user behind a Bitrix user: by the stored Bitrix ID first, else by e-mail. */
  async findUserForBitrixUser(bitrixUserId: number, email: string | null): Promise<User | null> {
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('u')
      .where('u.bitrix_user_id = :bitrixUserId', { bitrixUserId })
      .orWhere('u.email = lower(:email)', { email: email?.trim() ?? '' })
      .orderBy('CASE WHEN u.bitrix_user_id = :bitrixUserId THEN 0 ELSE 1 END', 'ASC')
      .limit(1)
      .getOne();
  }

  /**
   * The ticket and its files in one transaction; `alsoInTransaction` adds work that must commit with them
   * (the idempotency record). Upsert by Bitrix ID: the webhook may mirror the new deal first.
   */
  async saveNewTicket(
    values: QueryDeepPartialEntity<Deal> & { bitrixDealId: number },
    files: NewFileRow[],
    alsoInTransaction: (manager: EntityManager, deal: Deal) => Promise<void>,
  ): Promise<{ deal: Deal; files: DealFile[] }> {
    return this.dataSource.transaction(async (manager) => {
      const dealId = await upsert(manager, Deal, values, ['deal_id']);
      const savedFiles = files.length
        ? await manager.save(
            DealFile,
            files.map((f) => manager.create(DealFile, { dealId, storageKey: f.storageKey, filename: f.filename, bitrixFileId: f.bitrixFileId })),
          )
        : [];
      const deal = await manager.findOneByOrFail(Deal, { id: dealId });
      await alsoInTransaction(manager, deal);
      return { deal, files: savedFiles };
    });
  }

  /** Writes the given columns of a ticket and returns it re-read. */
  async updateTicket(dealId: number, values: QueryDeepPartialEntity<Deal>): Promise<Deal> {
    await this.dataSource.getRepository(Deal).update({ id: dealId }, values);
    return this.dataSource.getRepository(Deal).findOneByOrFail({ id: dealId });
  }

  /** An activity and its files in one transaction (upsert by source + Bitrix ID, as the webhook may race us). */
  async saveActivity(values: QueryDeepPartialEntity<Activity> & { bitrixActivityId: number }, files: NewFileRow[]): Promise<{ activity: Activity; files: ActivityFile[] }> {
    return this.dataSource.transaction(async (manager) => {
      const activityId = await upsert(manager, Activity, values, ['bitrix_source', 'activity_id']);
      const savedFiles: ActivityFile[] = [];
      for (const f of files) {
        const row = manager.create(ActivityFile, { activityId, storageKey: f.storageKey, filename: f.filename, bitrixFileId: f.bitrixFileId });
        savedFiles.push(await manager.save(ActivityFile, row));
      }
      const activity = await manager.findOneByOrFail(Activity, { id: activityId });
      return { activity, files: savedFiles };
    });
  }

  /** Clears the unread flag without touching `updated_at` (reading is not a change of the ticket). */
  async markRead(dealId: number): Promise<void> {
    await this.dataSource.query('UPDATE deals SET is_unread = false WHERE id = $1 AND is_unread', [dealId]);
  }
}

/** INSERT ... ON CONFLICT (conflict columns) DO UPDATE SET <the given columns>; returns the row's id. */
async function upsert<T extends ObjectLiteral>(
  manager: EntityManager,
  target: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
  conflictColumns: string[],
): Promise<number> {
  const metadata = manager.connection.getMetadata(target);
  const overwrite = metadata.columns
    .filter((c) => !c.isPrimary && !conflictColumns.includes(c.databaseName) && Object.prototype.hasOwnProperty.call(values, c.propertyName))
    .map((c) => c.databaseName);
  const result = await manager
    .createQueryBuilder()
    .insert()
    .into(target)
    .values(values)
    .orUpdate(overwrite, conflictColumns)
    .returning(['id'])
    .execute();
  const raw = result.raw as { id: number }[];
  return Number(raw[0].id);
}
