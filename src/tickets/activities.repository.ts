import { Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { fitToColumns } from '../database/fit-to-columns';
import { changedProperties } from './deal-changes';
import { Activity, BitrixActivitySource } from './entities/activity.entity';
import { ActivityFile } from './entities/activity-file.entity';
import type { NewFileRow } from './deals.repository';
import { Deal } from './entities/deal.entity';
import { TicketChangeRecorder } from './ticket-change-recorder';

/** The columns of `activities` that mirror Bitrix, as Activity properties. */
export const BITRIX_ACTIVITY_PROPERTIES = [
  'dealId',
  'ownerTypeId',
  'typeId',
  'providerId',
  'providerTypeId',
  'direction',
  'subject',
  'priority',
  'responsibleId',
  'responsibleName',
  'responsibleEmail',
  'description',
  'bodyHtml',
  'descriptionType',
  'senderEmail',
  'fromEmail',
  'toEmail',
  'receiverEmail',
  'authorId',
  'editorId',
  'readConfirmed',
  'createdAtBitrix',
] as const satisfies readonly (keyof Activity)[];

export type BitrixActivityProperty = (typeof BITRIX_ACTIVITY_PROPERTIES)[number];

/**
 * Properties a Bitrix re-read does not overwrite once the row has them: Bitrix has no direction for a
 * comment, and names the integration's own user as the author of what this service wrote, while the row
 * names the person who wrote it (the listing and the socket event show the same name).
 */
const FIRST_WRITER_KEEPS: ReadonlySet<BitrixActivityProperty> = new Set(['direction', 'responsibleName', 'responsibleEmail']);

export interface ActivityKey {
  bitrixSource: BitrixActivitySource;
  bitrixActivityId: number;
}

export interface ActivitySaveResult {
  activity: Activity;
  /** Every file row of the activity, oldest first. */
  files: ActivityFile[];
  /** True when this call inserted the activity (the one that announces it). */
  inserted: boolean;
  /** Storage keys of given files the activity already had (mirrored first by the webhook): to be removed. */
  duplicateStorageKeys: string[];
}

/**
 * The one writer of `activities` and of their attachments' table `activity_files`: ticket actions
 * (POST /ticket/comment, /send-email) and the Bitrix mirror (webhook workers, `npm run sync`). A new activity is
 * also handed to the TicketChangeRecorder (the notification outbox) inside its transaction.
 */
@Injectable()
export class ActivitiesRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly changes?: TicketChangeRecorder,
  ) {}

  /**
   * An activity this service just wrote to Bitrix, with its files, in one transaction. Upsert by source +
   * Bitrix ID, as the webhook may have mirrored it first; a file already mirrored (same Bitrix file ID) is not
   * stored twice. `authorUserId`: the local user who wrote it.
   */
  async saveFromTicketAction(
    key: ActivityKey,
    values: Partial<Pick<Activity, BitrixActivityProperty>>,
    files: NewFileRow[],
    authorUserId: number | null = null,
  ): Promise<ActivitySaveResult> {
    return this.dataSource.transaction(async (manager) => {
      const fitted = fitToColumns(manager.connection.getMetadata(Activity), values);
      const existing = await lockByKey(manager, key);
      let activity: Activity;
      if (existing) {
        await manager.update(Activity, { id: existing.id }, fitted as QueryDeepPartialEntity<Activity>);
        activity = await manager.findOneByOrFail(Activity, { id: existing.id });
      } else {
        activity = await manager.save(Activity, manager.create(Activity, { ...fitted, ...key }));
      }
      const duplicateStorageKeys: string[] = [];
      for (const file of files) if (!(await insertFile(manager, activity.id, file))) duplicateStorageKeys.push(file.storageKey);
      // Recorded even when the webhook mirrored it first: the outbox keeps one notice per activity either way.
      await this.recordAdded(manager, activity, authorUserId);
      return { activity, files: await filesOf(manager, activity.id), inserted: !existing, duplicateStorageKeys };
    });
  }

  /**
   * Mirrors a timeline entry as read from Bitrix, with the files downloaded for it, in one transaction:
   * inserts it, or writes the properties whose value changed (FIRST_WRITER_KEEPS aside).
   */
  async upsertFromBitrix(
    key: ActivityKey,
    values: Pick<Activity, BitrixActivityProperty>,
    files: NewFileRow[],
  ): Promise<{ outcome: 'created' | 'updated' | 'unchanged'; activity: Activity; duplicateStorageKeys: string[] }> {
    return this.dataSource.transaction(async (manager) => {
      const fitted = fitToColumns(manager.connection.getMetadata(Activity), values);
      let outcome: 'created' | 'updated' | 'unchanged' = 'unchanged';
      let activity = await lockByKey(manager, key);
      if (!activity) {
        const result = await manager.createQueryBuilder().insert().into(Activity).values({ ...fitted, ...key }).orIgnore().returning(['id']).execute();
        const inserted = result.raw as { id: number }[];
        if (inserted.length) outcome = 'created';
        // Another worker (or a ticket action) inserted it meanwhile: continue as an update.
        activity = await lockByKey(manager, key);
        if (!activity) throw new Error(`${key.bitrixSource} ${key.bitrixActivityId} vanished during upsert`);
      }
      if (outcome !== 'created') {
        const update: Record<string, unknown> = {};
        for (const property of changedProperties(activity, fitted)) {
          if (FIRST_WRITER_KEEPS.has(property as BitrixActivityProperty) && activity[property] !== null) continue;
          update[property] = fitted[property as BitrixActivityProperty];
        }
        if (Object.keys(update).length) {
          await manager.update(Activity, { id: activity.id }, update as QueryDeepPartialEntity<Activity>);
          activity = await manager.findOneByOrFail(Activity, { id: activity.id });
          outcome = 'updated';
        }
      }
      const duplicateStorageKeys: string[] = [];
      for (const file of files) {
        if (await insertFile(manager, activity.id, file)) outcome = outcome === 'unchanged' ? 'updated' : outcome;
        else duplicateStorageKeys.push(file.storageKey);
      }
      if (outcome === 'created') await this.recordAdded(manager, activity, null);
      return { outcome, activity, duplicateStorageKeys };
    });
  }

  private async recordAdded(manager: EntityManager, activity: Activity, actorUserId: number | null): Promise<void> {
    if (!this.changes) return;
    const deal = await manager.findOneBy(Deal, { id: activity.dealId });
    if (deal) await this.changes.record(manager, { kind: 'activity_added', deal, activity, actorUserId });
  }

  /** Bitrix file IDs already mirrored for a timeline entry (empty when the entry is not mirrored yet). */
  async knownFileIds(key: ActivityKey): Promise<Set<number | null>> {
    const rows = await this.dataSource
      .getRepository(ActivityFile)
      .createQueryBuilder('f')
      .innerJoin(Activity, 'a', 'a.id = f.activity_id')
      .select('f.file_id', 'file_id')
      .where('a.bitrix_source = :source AND a.activity_id = :id', { source: key.bitrixSource, id: key.bitrixActivityId })
      .getRawMany<{ file_id: number | null }>();
    return new Set(rows.map((r) => (r.file_id === null ? null : Number(r.file_id))));
  }

  filesOf(activityId: number): Promise<ActivityFile[]> {
    return filesOf(this.dataSource.manager, activityId);
  }

  /** The activity no longer exists in Bitrix: the mirror drops it (its file rows cascade). */
  async remove(key: ActivityKey): Promise<boolean> {
    const result = await this.dataSource.getRepository(Activity).delete({ bitrixSource: key.bitrixSource, bitrixActivityId: key.bitrixActivityId });
    return (result.affected ?? 0) > 0;
  }

  /** Removes a ticket's entries of one source that Bitrix no longer lists (reconciliation, complete lists only). */
  async removeMissing(dealId: number, source: BitrixActivitySource, presentBitrixIds: number[]): Promise<number> {
    const query = this.dataSource.createQueryBuilder().delete().from(Activity).where('deal_id = :dealId AND bitrix_source = :source', { dealId, source });
    if (presentBitrixIds.length) query.andWhere('activity_id NOT IN (:...present)', { present: presentBitrixIds });
    const result = await query.execute();
    return result.affected ?? 0;
  }
}

function lockByKey(manager: EntityManager, key: ActivityKey): Promise<Activity | null> {
  return manager
    .getRepository(Activity)
    .createQueryBuilder('a')
    .setLock('pessimistic_write')
    .where('a.bitrix_source = :source AND a.activity_id = :id', { source: key.bitrixSource, id: key.bitrixActivityId })
    .getOne();
}

/** ON CONFLICT (activity_id, file_id) DO NOTHING: a Bitrix file is stored once per activity. */
async function insertFile(manager: EntityManager, activityId: number, file: NewFileRow): Promise<boolean> {
  const values = fitToColumns(manager.connection.getMetadata(ActivityFile), { activityId, storageKey: file.storageKey, filename: file.filename, bitrixFileId: file.bitrixFileId });
  const result = await manager.createQueryBuilder().insert().into(ActivityFile).values(values).orIgnore().returning(['id']).execute();
  return (result.raw as unknown[]).length > 0;
}

function filesOf(manager: EntityManager, activityId: number): Promise<ActivityFile[]> {
  return manager.getRepository(ActivityFile).find({ where: { activityId }, order: { id: 'ASC' } });
}
