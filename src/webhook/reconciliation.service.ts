import { Injectable, Logger } from '@nestjs/common';
import { BitrixActivitySnapshot, fromBitrixActivity, fromBitrixTimelineComment } from '../bitrix/bitrix-activity.mapper';
import { BitrixCommand, bitrixCommand } from '../bitrix/bitrix-batch';
import { toBitrixDateTime } from '../bitrix/bitrix-conversions';
import { BitrixDeals } from '../bitrix/bitrix-deals.service';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { BitrixActivity, BitrixDeal, BitrixOwnerType, BitrixTimelineComment } from '../bitrix/bitrix.types';
import { BitrixClient } from '../bitrix/bitrix.client';
import { ActivityMirrorService } from './activity-mirror.service';
import { BitrixUserDirectory } from './bitrix-user-directory.service';
import { DealsRepository } from '../tickets/deals.repository';
import { DealMirrorService } from './deal-mirror.service';
import { MirrorCounts, emptyCounts } from './mirror-outcome';
import { ACTIVITY_DETAIL_SELECT, COMMENT_SELECT, MirrorSyncService, SyncResults, TimelineRead } from './mirror-sync.service';

export interface ReconcileSummary {
  since: string;
  durationMs: number;
  deals: MirrorCounts;
  activities: MirrorCounts;
}

export interface ReconcileOptions {
  since: Date;
  /** Called once the number of deals to visit is known. */
  onTotal?: (totalDeals: number) => void;
  /** Called after each page of deals (and their timelines) is mirrored. */
  onProgress?: (dealsDone: number, summary: ReconcileSummary) => void;
}

const PAGE = 50;

/**
 * Heals what lost webhooks missed (Bitrix never retries a delivery): pages through `crm.deal.list` by
 * DATE_MODIFY, mirrors every deal with its activities and timeline comments (listed 50 deals per
 * `batch`), removes local timeline entries Bitrix no longer has, mirrors activities updated in the
 * window on deals that were not modified (adding an activity does not touch the deal's DATE_MODIFY).
 * Shared by the scheduled job and `npm run sync`.
 */
@Injectable()
export class ReconciliationService {
  private readonly logger = new Logger(ReconciliationService.name);

  constructor(
    private readonly client: BitrixClient,
    private readonly deals: BitrixDeals,
    private readonly fieldMap: BitrixFieldMap,
    private readonly users: BitrixUserDirectory,
    private readonly dealMirror: DealMirrorService,
    private readonly mirroredDeals: DealsRepository,
    private readonly activityMirror: ActivityMirrorService,
    private readonly mirrorSync: MirrorSyncService,
  ) {}

  async run(options: ReconcileOptions): Promise<ReconcileSummary> {
    const started = Date.now();
    const summary: ReconcileSummary = { since: options.since.toISOString(), durationMs: 0, deals: emptyCounts(), activities: emptyCounts() };
    const tz = this.fieldMap.config.timeZone;
    const sinceText = toBitrixDateTime(options.since, tz);
    const first = await this.deals.list({ filter: { '>=DATE_MODIFY': sinceText }, select: ['ID'], start: 0 });
    options.onTotal?.(first.total ?? first.items.length);

    const visited = new Set<number>();
    let page: BitrixDeal[] = [];
    let done = 0;
    for await (const raw of this.deals.iterate({ modifiedSince: options.since })) {
      page.push(raw);
      if (page.length < PAGE) continue;
      await this.mirrorDealPage(page, summary, visited);
      done += page.length;
      page = [];
      options.onProgress?.(done, this.finish(summary, started));
    }
    if (page.length) {
      await this.mirrorDealPage(page, summary, visited);
      done += page.length;
      options.onProgress?.(done, this.finish(summary, started));
    }
    await this.mirrorRecentActivities(sinceText, visited, summary);
    await this.markDeletedDeals(summary);
    return this.finish(summary, started);
  }

  private finish(summary: ReconcileSummary, started: number): ReconcileSummary {
    summary.durationMs = Date.now() - started;
    return summary;
  }

  private async mirrorDealPage(raws: BitrixDeal[], summary: ReconcileSummary, visited: Set<number>): Promise<void> {
    let people;
    try {
      people = await this.users.resolve(DealMirrorService.peopleOf(raws));
    } catch (error) {
      this.logger.warn(`Reconciliation: users of a page failed: ${(error as Error).message}`);
      summary.deals.failed += raws.length;
      return;
    }
    const mirrored = new Map<number, number>();
    for (const raw of raws) {
      const bitrixDealId = Number(raw.ID);
      visited.add(bitrixDealId);
      try {
        const { outcome, dealId } = await this.dealMirror.upsert(raw, people);
        summary.deals[outcome] += 1;
        if (dealId !== null && outcome !== 'ignored') mirrored.set(bitrixDealId, dealId);
      } catch (error) {
        summary.deals.failed += 1;
        this.logger.warn(`Reconciliation: deal ${bitrixDealId} failed: ${(error as Error).message}`);
      }
    }
    if (!mirrored.size) return;
    const timelines = await this.readTimelines([...mirrored.keys()]);
    const timelinePeople = await this.users.resolve(
      [...timelines.values()].flatMap((t) => (t ? [...t.activities, ...t.comments].map((s) => ActivityMirrorService.personOf(s)) : [])),
    );
    for (const [bitrixDealId, dealId] of mirrored) {
      const timeline = timelines.get(bitrixDealId);
      if (!timeline) {
        summary.activities.failed += 1;
        continue;
      }
      for (const snapshot of [...timeline.activities, ...timeline.comments]) {
        try {
          summary.activities[await this.activityMirror.upsert({ snapshot, dealId, bitrixDealId }, timelinePeople)] += 1;
        } catch (error) {
          summary.activities.failed += 1;
          this.logger.warn(`Reconciliation: ${snapshot.bitrixSource} ${snapshot.bitrixActivityId} failed: ${(error as Error).message}`);
        }
      }
      summary.activities.deleted += await this.activityMirror.removeMissing(dealId, 'activity', timeline.activities.map((s) => s.bitrixActivityId));
      summary.activities.deleted += await this.activityMirror.removeMissing(dealId, 'comment', timeline.comments.map((s) => s.bitrixActivityId));
    }
  }

  /** Activities and comments of up to 50 deals: one `batch` of list commands, then any further pages. null: not read. */
  private async readTimelines(bitrixDealIds: number[]): Promise<Map<number, { activities: BitrixActivitySnapshot[]; comments: BitrixActivitySnapshot[] } | null>> {
    const tz = this.fieldMap.config.timeZone;
    const activityParams = (id: number) => ({
      filter: { OWNER_TYPE_ID: BitrixOwnerType.deal, OWNER_ID: id },
      select: ACTIVITY_DETAIL_SELECT,
      order: { ID: 'ASC' as const },
    });
    const commentParams = (id: number) => ({ filter: { ENTITY_ID: id, ENTITY_TYPE: 'deal' }, select: COMMENT_SELECT, order: { ID: 'ASC' as const } });
    const commands: Record<string, BitrixCommand<unknown>> = {};
    for (const id of bitrixDealIds) {
      commands[`a${id}`] = bitrixCommand('crm.activity.list', activityParams(id));
      commands[`c${id}`] = bitrixCommand('crm.timeline.comment.list', commentParams(id));
    }
    const out = new Map<number, { activities: BitrixActivitySnapshot[]; comments: BitrixActivitySnapshot[] } | null>();
    let batch;
    try {
      batch = await this.client.batchChunked(commands);
    } catch (error) {
      this.logger.warn(`Reconciliation: timeline batch failed: ${(error as Error).message}`);
      for (const id of bitrixDealIds) out.set(id, null);
      return out;
    }
    for (const id of bitrixDealIds) {
      try {
        const activities = rowsOf<BitrixActivity>(batch.get(`a${id}`));
        const comments = rowsOf<BitrixTimelineComment>(batch.get(`c${id}`));
        const nextA = batch.next[`a${id}`];
        const nextC = batch.next[`c${id}`];
        if (nextA) for await (const row of this.client.listAll<BitrixActivity>('crm.activity.list', { ...activityParams(id), start: nextA })) activities.push(row);
        if (nextC) for await (const row of this.client.listAll<BitrixTimelineComment>('crm.timeline.comment.list', { ...commentParams(id), start: nextC })) comments.push(row);
        out.set(id, {
          activities: activities.map((a) => fromBitrixActivity(a, tz)),
          comments: comments.map((c) => fromBitrixTimelineComment(c, { portalTimeZone: tz })),
        });
      } catch (error) {
        this.logger.warn(`Reconciliation: timeline of deal ${id} failed: ${(error as Error).message}`);
        out.set(id, null);
      }
    }
    return out;
  }

  /**
   * Lost ONCRMDEALDELETE events: a deleted deal is in no DATE_MODIFY listing, so every live local ticket
   * is looked up by ID (50 IDs per `crm.deal.list` command, 50 commands per `batch`: 2,500 tickets per
   * request); those Bitrix no longer lists are re-read through the mirror, which marks them deleted.
   * A command that failed proves nothing: its tickets are left as they are.
   */
  private async markDeletedDeals(summary: ReconcileSummary): Promise<void> {
    const ids = await this.mirroredDeals.liveBitrixDealIds();
    const chunks: number[][] = [];
    for (let i = 0; i < ids.length; i += PAGE) chunks.push(ids.slice(i, i + PAGE));
    if (!chunks.length) return;
    const commands = Object.fromEntries(chunks.map((chunk, n) => [`d${n}`, bitrixCommand<BitrixDeal[]>('crm.deal.list', { filter: { '@ID': chunk }, select: ['ID'] })]));
    let batch;
    try {
      batch = await this.client.batchChunked(commands);
    } catch (error) {
      this.logger.warn(`Reconciliation: deleted-deal check failed: ${(error as Error).message}`);
      return;
    }
    const gone: number[] = [];
    chunks.forEach((chunk, n) => {
      try {
        const listed = new Set(rowsOf<BitrixDeal>(batch.get(`d${n}`)).map((deal) => Number(deal.ID)));
        gone.push(...chunk.filter((id) => !listed.has(id)));
      } catch (error) {
        this.logger.warn(`Reconciliation: deleted-deal check of ${chunk.length} ticket(s) failed: ${(error as Error).message}`);
      }
    });
    if (gone.length) await this.mirrorSync.sync({ deals: gone, activities: [], comments: [] }, summary);
  }

  /** Activities updated in the window whose deal was not visited above. */
  private async mirrorRecentActivities(sinceText: string, visited: Set<number>, summary: ReconcileSummary): Promise<void> {
    const tz = this.fieldMap.config.timeZone;
    const timeline: TimelineRead[] = [];
    try {
      const rows = this.client.listAll<BitrixActivity>('crm.activity.list', {
        filter: { OWNER_TYPE_ID: BitrixOwnerType.deal, '>=LAST_UPDATED': sinceText },
        select: ACTIVITY_DETAIL_SELECT,
        order: { ID: 'ASC' },
      });
      for await (const raw of rows) {
        const snapshot = fromBitrixActivity(raw, tz);
        if (snapshot.bitrixDealId !== null && !visited.has(snapshot.bitrixDealId)) timeline.push({ kind: 'activity', bitrixId: snapshot.bitrixActivityId, snapshot });
      }
    } catch (error) {
      this.logger.warn(`Reconciliation: recent activities failed: ${(error as Error).message}`);
      summary.activities.failed += 1;
      return;
    }
    if (!timeline.length) return;
    const results: SyncResults = new Map();
    await this.mirrorSync.mirror([], timeline, results, summary);
  }
}

function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return [...(result as T[])];
  if (result && typeof result === 'object') return Object.values(result as Record<string, T>);
  return [];
}
