import { Injectable, Logger } from '@nestjs/common';
import { BitrixActivitySnapshot } from '../bitrix/bitrix-activity.mapper';
import { BitrixDisk } from '../bitrix/bitrix-disk.service';
import { objectAttributes, SPAN_ATTRIBUTES } from '../common/spans';
import { StorageService } from '../storage/storage.service';
import { ActivitiesRepository, ActivityKey, BitrixActivityProperty } from '../tickets/activities.repository';
import { commentDirection } from '../tickets/comment-direction';
import { DealsRepository, NewFileRow } from '../tickets/deals.repository';
import { Activity } from '../tickets/entities/activity.entity';
import { Deal } from '../tickets/entities/deal.entity';
import { TicketEventsNotifier } from '../tickets/ticket-events.notifier';
import { LocalUsersRepository } from '../users/local-users.repository';
import { BitrixPerson } from './bitrix-user-directory.service';
import { inMirrorSpan, MirrorOutcome } from './mirror-outcome';

export interface ActivityMirrorTarget {
  snapshot: BitrixActivitySnapshot;
  /** Internal `deals.id` of its (already mirrored) deal. */
  dealId: number;
  bitrixDealId: number;
}

/**
 * Bitrix activity / timeline comment → local `activities` row (through ActivitiesRepository), its files
 * mirrored from Bitrix Disk to storage (`activity_files`). A new row marks the ticket unread and is announced
 * once (`new_comment` + `new_activity`, built like the API's); re-reads update in place silently.
 */
@Injectable()
export class ActivityMirrorService {
  private readonly logger = new Logger(ActivityMirrorService.name);

  constructor(
    private readonly activities: ActivitiesRepository,
    private readonly deals: DealsRepository,
    private readonly users: LocalUsersRepository,
    private readonly disk: BitrixDisk,
    private readonly storage: StorageService,
    private readonly events: TicketEventsNotifier,
  ) {}

  /** Bitrix user IDs an activity needs resolved (its responsible or author). */
  static personOf(snapshot: BitrixActivitySnapshot): string | null {
    return snapshot.responsibleId ?? snapshot.authorId;
  }

  upsert(target: ActivityMirrorTarget, people: Map<string, BitrixPerson>): Promise<MirrorOutcome> {
    const kind = target.snapshot.bitrixSource === 'comment' ? 'comment' : 'activity';
    const attributes = { ...objectAttributes(kind, target.snapshot.bitrixActivityId), [SPAN_ATTRIBUTES.dealId]: target.bitrixDealId };
    return inMirrorSpan(attributes, () => this.upsertEntry(target, people));
  }

  private async upsertEntry(target: ActivityMirrorTarget, people: Map<string, BitrixPerson>): Promise<MirrorOutcome> {
    const { snapshot } = target;
    const personId = ActivityMirrorService.personOf(snapshot);
    const person = personId ? people.get(personId) : undefined;
    const deal = await this.deals.findByBitrixId(target.bitrixDealId);
    let direction = snapshot.direction;
    if (direction === null && snapshot.bitrixSource === 'comment' && deal) {
      const author = snapshot.authorId ? await this.users.findForBitrixUser(snapshot.authorId, person?.email ?? null) : null;
      direction = commentDirection(author, deal);
    }
    const key = { bitrixSource: snapshot.bitrixSource, bitrixActivityId: snapshot.bitrixActivityId };
    // Files are downloaded before anything is written, so the row, its files and its one announcement
    // happen together; a failed download fails the event (retried) and leaves nothing behind.
    const files = await this.downloadNewFiles(key, snapshot);
    let written;
    try {
      written = await this.activities.upsertFromBitrix(key, activityFieldsOf(snapshot, target.dealId, direction, person ?? null), files);
    } catch (error) {
      await this.removeQuietly(files.map((f) => f.storageKey));
      throw error;
    }
    await this.removeQuietly(written.duplicateStorageKeys);
    if (written.outcome === 'created') {
      await this.deals.markUnread(target.dealId);
      if (deal) await this.events.activityAdded(deal, written.activity, await this.activities.filesOf(written.activity.id));
    }
    return written.outcome;
  }

  /** The activity no longer exists in Bitrix (deleted): the mirror drops it (its file rows cascade). */
  remove(source: 'activity' | 'comment', bitrixActivityId: number): Promise<MirrorOutcome> {
    return inMirrorSpan<MirrorOutcome>(objectAttributes(source, bitrixActivityId), async () =>
      (await this.activities.remove({ bitrixSource: source, bitrixActivityId })) ? 'deleted' : 'unchanged',
    );
  }

  /** Removes local activities of a deal that Bitrix no longer lists (reconciliation, complete lists only). */
  removeMissing(dealId: number, source: 'activity' | 'comment', presentBitrixIds: number[]): Promise<number> {
    return this.activities.removeMissing(dealId, source, presentBitrixIds);
  }

  /** Copies to storage the files of the entry not mirrored yet. */
  private async downloadNewFiles(key: ActivityKey, snapshot: BitrixActivitySnapshot): Promise<NewFileRow[]> {
    if (!snapshot.files.length) return [];
    const have = await this.activities.knownFileIds(key);
    const out: NewFileRow[] = [];
    try {
      for (const file of snapshot.files) {
        if (have.has(file.bitrixFileId)) continue;
        have.add(file.bitrixFileId);
        const content = await this.disk.downloadAttachment(file);
        const name = content.name || `arquivo-${file.bitrixFileId}`;
        out.push({ storageKey: await this.storage.upload('attachments', name, content.bytes, content.contentType ?? undefined), filename: name, bitrixFileId: file.bitrixFileId });
      }
    } catch (error) {
      await this.removeQuietly(out.map((f) => f.storageKey));
      throw error;
    }
    return out;
  }

  private async removeQuietly(keys: string[]): Promise<void> {
    for (const key of keys) {
      await this.storage.remove(key).catch((error: Error) => this.logger.warn(`Could not remove stored file ${key}: ${error.message}`));
    }
  }
}

/** The Bitrix-owned columns of an activity from its snapshot; the responsible's name and e-mail from Bitrix's user. */
function activityFieldsOf(
  snapshot: BitrixActivitySnapshot,
  dealId: Deal['id'],
  direction: Activity['direction'],
  person: BitrixPerson | null,
): Pick<Activity, BitrixActivityProperty> {
  return {
    dealId,
    ownerTypeId: snapshot.ownerTypeId,
    typeId: snapshot.typeId,
    providerId: snapshot.providerId,
    providerTypeId: snapshot.providerTypeId,
    direction,
    subject: snapshot.subject,
    priority: snapshot.priority,
    responsibleId: snapshot.responsibleId,
    responsibleName: person?.name ?? null,
    responsibleEmail: person?.email ?? null,
    description: snapshot.description,
    bodyHtml: snapshot.bodyHtml,
    descriptionType: snapshot.descriptionType,
    senderEmail: snapshot.senderEmail,
    fromEmail: snapshot.fromEmail,
    toEmail: snapshot.toEmail,
    receiverEmail: snapshot.receiverEmail,
    authorId: snapshot.authorId,
    editorId: snapshot.editorId,
    readConfirmed: snapshot.readConfirmed,
    createdAtBitrix: snapshot.createdAtBitrix,
  };
}
