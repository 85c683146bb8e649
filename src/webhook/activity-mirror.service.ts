import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BitrixActivitySnapshot } from '../bitrix/bitrix-activity.mapper';
import { BitrixDisk } from '../bitrix/bitrix-disk.service';
import { TicketEventsBroadcaster } from '../realtime/ticket-events.broadcaster';
import { StorageService } from '../storage/storage.service';
import { TicketAccessService } from '../tickets/ticket-access.service';
import { BitrixPerson } from './bitrix-user-directory.service';
import { MirrorOutcome, SqlValue, truncate } from './mirror-outcome';

/** Columns of `activities` that mirror Bitrix, with their varchar length (null: not a varchar). */
const ACTIVITY_COLUMNS: ReadonlyArray<readonly [string, number | null]> = [
  ['deal_id', null],
  ['owner_type_id', 5],
  ['type_id', 5],
  ['provider_id', 50],
  ['provider_type_id', 50],
  ['direction', 10],
  ['subject', 255],
  ['priority', 5],
  ['responsible_id', 20],
  ['responsible_name', 255],
  ['responsible_email', 255],
  ['description', null],
  ['body_html', null],
  ['description_type', 5],
  ['sender_email', 255],
  ['from_email', 255],
  ['to_email', 255],
  ['receiver_email', 255],
  ['author_id', 20],
  ['editor_id', 20],
  ['read_confirmed', null],
  ['created_at_bitrix', null],
];

/** Bitrix does not know these for every source (a comment has no direction): keep what the row has. */
const KEEP_WHEN_NULL = new Set(['direction', 'responsible_name', 'responsible_email']);

export interface ActivityMirrorTarget {
  snapshot: BitrixActivitySnapshot;
  /** Internal `deals.id` of its (already mirrored) deal. */
  dealId: number;
  bitrixDealId: number;
}

/**
 * Bitrix activity / timeline comment → local `activities` row, its files mirrored from Bitrix Disk to
 * S3 (`activity_files`). A new row marks the deal unread and is announced once (`new_comment` +
 * `new_activity`); re-reads update in place silently.
 */
@Injectable()
export class ActivityMirrorService {
  private readonly logger = new Logger(ActivityMirrorService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly disk: BitrixDisk,
    private readonly storage: StorageService,
    private readonly broadcaster: TicketEventsBroadcaster,
    private readonly access: TicketAccessService,
  ) {}

  /** Bitrix user IDs an activity needs resolved (its responsible or author). */
  static personOf(snapshot: BitrixActivitySnapshot): string | null {
    return snapshot.responsibleId ?? snapshot.authorId;
  }

  async upsert(target: ActivityMirrorTarget, people: Map<string, BitrixPerson>): Promise<MirrorOutcome> {
    const { snapshot } = target;
    const personId = ActivityMirrorService.personOf(snapshot);
    const person = personId ? people.get(personId) : undefined;
    const row: Record<string, SqlValue> = {
      deal_id: target.dealId,
      owner_type_id: snapshot.ownerTypeId,
      type_id: snapshot.typeId,
      provider_id: snapshot.providerId,
      provider_type_id: snapshot.providerTypeId,
      direction: snapshot.direction,
      subject: snapshot.subject,
      priority: snapshot.priority,
      responsible_id: snapshot.responsibleId,
      responsible_name: person?.name ?? null,
      responsible_email: person?.email ?? null,
      description: snapshot.description,
      body_html: snapshot.bodyHtml,
      description_type: snapshot.descriptionType,
      sender_email: snapshot.senderEmail,
      from_email: snapshot.fromEmail,
      to_email: snapshot.toEmail,
      receiver_email: snapshot.receiverEmail,
      author_id: snapshot.authorId,
      editor_id: snapshot.editorId,
      read_confirmed: snapshot.readConfirmed,
      created_at_bitrix: snapshot.createdAtBitrix,
    };
    for (const [column, max] of ACTIVITY_COLUMNS) {
      const value = row[column];
      if (max !== null && typeof value === 'string') row[column] = truncate(value, max);
    }
    const columns = ACTIVITY_COLUMNS.map(([c]) => c);
    const values: SqlValue[] = [snapshot.bitrixActivityId, snapshot.bitrixSource, ...columns.map((c) => row[c])];
    const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
    const assignments = columns.map((c) => (KEEP_WHEN_NULL.has(c) ? `${c} = COALESCE(EXCLUDED.${c}, activities.${c})` : `${c} = EXCLUDED.${c}`));
    const distinct = `(${columns.map((c) => `activities.${c}`).join(', ')}) IS DISTINCT FROM (${columns
      .map((c) => (KEEP_WHEN_NULL.has(c) ? `COALESCE(EXCLUDED.${c}, activities.${c})` : `EXCLUDED.${c}`))
      .join(', ')})`;
    const written: { id: number; inserted: boolean; created_at: Date }[] = await this.dataSource.query(
      `INSERT INTO activities (activity_id, bitrix_source, ${columns.join(', ')}) VALUES (${placeholders})
       ON CONFLICT (bitrix_source, activity_id) DO UPDATE SET ${assignments.join(', ')} WHERE ${distinct}
       RETURNING id, (xmax = 0) AS inserted, created_at`,
      values,
    );
    let activityId: number;
    let outcome: MirrorOutcome;
    if (written.length) {
      activityId = written[0].id;
      outcome = written[0].inserted ? 'created' : 'updated';
    } else {
      const rows: { id: number }[] = await this.dataSource.query('SELECT id FROM activities WHERE bitrix_source = $1 AND activity_id = $2', [
        snapshot.bitrixSource,
        snapshot.bitrixActivityId,
      ]);
      activityId = rows[0].id;
      outcome = 'unchanged';
    }
    // Announced right after the insert, so a later failure (a file download, retried) cannot skip it.
    if (written[0]?.inserted) {
      await this.dataSource.query('UPDATE deals SET is_unread = true WHERE id = $1 AND is_unread = false', [target.dealId]);
      await this.announce(target, activityId, row, written[0].created_at);
    }
    const filesAdded = await this.mirrorFiles(activityId, snapshot);
    if (outcome === 'unchanged' && filesAdded) outcome = 'updated';
    return outcome;
  }

  /** The activity no longer exists in Bitrix (deleted): the mirror drops it (its file rows cascade). */
  async remove(source: 'activity' | 'comment', bitrixActivityId: number): Promise<MirrorOutcome> {
    const rows: { id: number }[] = await this.dataSource.query(
      'WITH gone AS (DELETE FROM activities WHERE bitrix_source = $1 AND activity_id = $2 RETURNING id) SELECT id FROM gone',
      [source, bitrixActivityId],
    );
    return rows.length ? 'deleted' : 'unchanged';
  }

  /** Removes local activities of a deal that Bitrix no longer lists (reconciliation, complete lists only). */
  async removeMissing(dealId: number, source: 'activity' | 'comment', presentBitrixIds: number[]): Promise<number> {
    const rows: { id: number }[] = await this.dataSource.query(
      `WITH gone AS (DELETE FROM activities WHERE deal_id = $1 AND bitrix_source = $2 AND NOT (activity_id = ANY($3::int[])) RETURNING id)
       SELECT id FROM gone`,
      [dealId, source, presentBitrixIds],
    );
    return rows.length;
  }

  /** Downloads files not yet mirrored; true when any was added. A failed download fails the event (retried). */
  private async mirrorFiles(activityId: number, snapshot: BitrixActivitySnapshot): Promise<boolean> {
    if (!snapshot.files.length) return false;
    const existing: { file_id: number | null }[] = await this.dataSource.query('SELECT file_id FROM activity_files WHERE activity_id = $1', [activityId]);
    const have = new Set(existing.map((r) => r.file_id));
    let added = false;
    for (const file of snapshot.files) {
      if (have.has(file.bitrixFileId)) continue;
      const content = await this.disk.downloadAttachment(file);
      const name = truncate(content.name || `arquivo-${file.bitrixFileId}`, 255) ?? `arquivo-${file.bitrixFileId}`;
      const key = await this.storage.upload('attachments', name, content.bytes, content.contentType ?? undefined);
      const inserted: { id: number }[] = await this.dataSource.query(
        `INSERT INTO activity_files (activity_id, file_id, file_url, filename) VALUES ($1, $2, $3, $4)
         ON CONFLICT ON CONSTRAINT uq_activity_files_activity_file DO NOTHING RETURNING id`,
        [activityId, file.bitrixFileId, key, name],
      );
      if (inserted.length) added = true;
      else this.logger.debug(`File ${file.bitrixFileId} of activity ${activityId} was mirrored concurrently`);
      have.add(file.bitrixFileId);
    }
    return added;
  }

  private async announce(target: ActivityMirrorTarget, activityId: number, row: Record<string, SqlValue>, createdAt: Date): Promise<void> {
    try {
      const audience = await this.access.audienceOf(target.bitrixDealId);
      if (!audience) return;
      const created = (row.created_at_bitrix as Date | null) ?? createdAt;
      await this.broadcaster.activityAdded(audience, {
        event: 'new_comment',
        deal_id: target.bitrixDealId,
        activity: {
          id: activityId,
          activity_id: target.snapshot.bitrixActivityId,
          type_id: (row.type_id as string | null) ?? null,
          description: (row.description as string | null) ?? null,
          responsible_name: (row.responsible_name as string | null) ?? null,
          created_at: created.toISOString(),
          subject: row.subject ?? null,
          direction: row.direction ?? null,
          source: target.snapshot.bitrixSource,
        },
      });
    } catch (error) {
      this.logger.warn(`Broadcast new_comment failed: ${(error as Error).message}`);
    }
  }
}
