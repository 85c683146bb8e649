import { Injectable } from '@nestjs/common';
import { BitrixActivitySnapshot, fromBitrixActivity, fromBitrixTimelineComment } from '../bitrix/bitrix-activity.mapper';
import { BitrixCommand, bitrixCommand } from '../bitrix/bitrix-batch';
import { BitrixDeals } from '../bitrix/bitrix-deals.service';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { BitrixActivity, BitrixDeal, BitrixTimelineComment } from '../bitrix/bitrix.types';
import { BitrixClient } from '../bitrix/bitrix.client';
import { BitrixNotFoundError } from '../bitrix/bitrix.errors';
import { ActivityMirrorService } from './activity-mirror.service';
import { BitrixUserDirectory } from './bitrix-user-directory.service';
import { DealsRepository } from '../tickets/deals.repository';
import { DealMirrorService } from './deal-mirror.service';
import { MirrorCounts, MirrorOutcome, emptyCounts } from './mirror-outcome';
import { WebhookObjectKind } from './webhook-event';

/** Bitrix objects to re-read and mirror, by Bitrix ID. */
export interface SyncTargets {
  deals: number[];
  activities: number[];
  comments: number[];
}

/** Per object (`deal:1001`, `activity:50001`, `comment:70001`): null when mirrored, or why it failed. */
export type SyncResults = Map<string, Error | null>;

export function syncKey(kind: WebhookObjectKind, bitrixId: number): string {
  return `${kind}:${bitrixId}`;
}

export const ACTIVITY_DETAIL_SELECT = ['*', 'COMMUNICATIONS', 'FILES'];
export const COMMENT_SELECT = ['ID', 'ENTITY_ID', 'ENTITY_TYPE', 'CREATED', 'COMMENT', 'AUTHOR_ID', 'FILES'];

/**
 * One coalesced sync round: re-reads every named object from Bitrix with as few HTTP requests as
 * possible (`batch`: 50 reads per request) and mirrors them. Deals of timeline entries that are not
 * mirrored yet are read and mirrored first (an activity may arrive before its deal's ADD).
 */
@Injectable()
export class MirrorSyncService {
  constructor(
    private readonly client: BitrixClient,
    private readonly deals: BitrixDeals,
    private readonly fieldMap: BitrixFieldMap,
    private readonly users: BitrixUserDirectory,
    private readonly dealMirror: DealMirrorService,
    private readonly mirroredDeals: DealsRepository,
    private readonly activityMirror: ActivityMirrorService,
  ) {}

  async sync(targets: SyncTargets, counts?: { deals: MirrorCounts; activities: MirrorCounts }): Promise<SyncResults> {
    const results: SyncResults = new Map();
    const timeline = await this.readTimeline(targets, results);
    await this.mirror(targets.deals, timeline, results, counts);
    return results;
  }

  /**
   * Mirrors deals (read now, by ID) and timeline entries already read; `results` receives one entry
   * per deal and per timeline entry.
   */
  async mirror(
    bitrixDealIds: number[],
    timeline: TimelineRead[],
    results: SyncResults,
    counts: { deals: MirrorCounts; activities: MirrorCounts } = { deals: emptyCounts(), activities: emptyCounts() },
  ): Promise<void> {
    const present = timeline.filter((t): t is TimelineRead & { snapshot: BitrixActivitySnapshot } => t.snapshot !== null);
    const timelineDealIds = [...new Set(present.map((t) => t.snapshot.bitrixDealId).filter((id): id is number => id !== null))];
    const mirrored = await this.mirroredDeals.internalIds(timelineDealIds);
    const toRead = [...new Set([...bitrixDealIds, ...timelineDealIds.filter((id) => !mirrored.has(id))])];
    const dealErrors = new Map<number, Error>();
    let found = new Map<number, BitrixDeal>();
    let notFound: number[] = [];
    if (toRead.length) {
      try {
        const read = await this.deals.getMany(toRead);
        found = read.found;
        notFound = read.notFound;
        for (const [id, error] of read.failed) dealErrors.set(id, error);
      } catch (error) {
        for (const id of toRead) dealErrors.set(id, error as Error);
      }
    }
    const people = await this.users.resolve([
      ...DealMirrorService.peopleOf([...found.values()]),
      ...present.map((t) => ActivityMirrorService.personOf(t.snapshot)),
    ]);
    for (const [id, raw] of found) {
      try {
        const { outcome } = await this.dealMirror.upsert(raw, people);
        counts.deals[outcome] += 1;
        if (bitrixDealIds.includes(id)) results.set(syncKey('deal', id), null);
      } catch (error) {
        dealErrors.set(id, error as Error);
      }
    }
    for (const id of notFound) {
      try {
        const { outcome } = await this.dealMirror.markDeleted(id);
        counts.deals[outcome] += 1;
        if (bitrixDealIds.includes(id)) results.set(syncKey('deal', id), null);
      } catch (error) {
        dealErrors.set(id, error as Error);
      }
    }
    for (const [id, error] of dealErrors) {
      counts.deals.failed += 1;
      if (bitrixDealIds.includes(id)) results.set(syncKey('deal', id), error);
    }

    const internal = await this.mirroredDeals.internalIds(timelineDealIds);
    for (const entry of timeline) {
      const key = syncKey(entry.kind, entry.bitrixId);
      try {
        let outcome: MirrorOutcome;
        if (entry.snapshot === null) {
          outcome = await this.activityMirror.remove(entry.kind === 'comment' ? 'comment' : 'activity', entry.bitrixId);
        } else if (entry.snapshot.bitrixDealId === null) {
          outcome = 'ignored';
        } else {
          const bitrixDealId = entry.snapshot.bitrixDealId;
          const dealId = internal.get(bitrixDealId);
          const dealError = dealErrors.get(bitrixDealId);
          if (dealError) throw dealError;
          // The deal is gone in Bitrix or outside the mirrored pipeline: nothing to attach the entry to.
          outcome = dealId === undefined ? 'ignored' : await this.activityMirror.upsert({ snapshot: entry.snapshot, dealId, bitrixDealId }, people);
        }
        counts.activities[outcome] += 1;
        results.set(key, null);
      } catch (error) {
        counts.activities.failed += 1;
        results.set(key, error as Error);
      }
    }
  }

  /** Reads activities and comments by ID in `batch` requests; failures land in `results`. */
  private async readTimeline(targets: SyncTargets, results: SyncResults): Promise<TimelineRead[]> {
    if (!targets.activities.length && !targets.comments.length) return [];
    const commands: Record<string, BitrixCommand<unknown>> = {};
    // crm.activity.list by ID rather than .get: only list returns FILES and COMMUNICATIONS for sure (reference §2.5).
    for (const id of targets.activities) commands[`a${id}`] = bitrixCommand('crm.activity.list', { filter: { ID: id }, select: ACTIVITY_DETAIL_SELECT });
    for (const id of targets.comments) commands[`c${id}`] = bitrixCommand('crm.timeline.comment.get', { id });
    const out: TimelineRead[] = [];
    let batch;
    try {
      batch = await this.client.batchChunked(commands);
    } catch (error) {
      for (const id of targets.activities) results.set(syncKey('activity', id), error as Error);
      for (const id of targets.comments) results.set(syncKey('comment', id), error as Error);
      return out;
    }
    const tz = this.fieldMap.config.timeZone;
    for (const id of targets.activities) {
      const error = batch.errors[`a${id}`];
      if (error && !(error instanceof BitrixNotFoundError)) {
        results.set(syncKey('activity', id), error);
        continue;
      }
      const rows = batch.find(`a${id}`);
      const list = (Array.isArray(rows) ? rows : rows && typeof rows === 'object' ? Object.values(rows) : []) as BitrixActivity[];
      const raw = list.find((a) => Number(a.ID) === id) ?? null;
      try {
        out.push({ kind: 'activity', bitrixId: id, snapshot: raw ? fromBitrixActivity(raw, tz) : null });
      } catch (e) {
        results.set(syncKey('activity', id), e as Error);
      }
    }
    for (const id of targets.comments) {
      const error = batch.errors[`c${id}`];
      if (error && !(error instanceof BitrixNotFoundError)) {
        results.set(syncKey('comment', id), error);
        continue;
      }
      const raw = error ? null : (batch.find(`c${id}`) as BitrixTimelineComment | undefined);
      try {
        out.push({ kind: 'comment', bitrixId: id, snapshot: raw && typeof raw === 'object' ? fromBitrixTimelineComment(raw, { portalTimeZone: tz }) : null });
      } catch (e) {
        results.set(syncKey('comment', id), e as Error);
      }
    }
    return out;
  }
}

/** A timeline entry as read from Bitrix; `snapshot` null when Bitrix says it no longer exists. */
export interface TimelineRead {
  kind: 'activity' | 'comment';
  bitrixId: number;
  snapshot: BitrixActivitySnapshot | null;
}
