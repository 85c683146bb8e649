import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Brackets, DataSource, SelectQueryBuilder } from 'typeorm';
import { User } from '../users/user.entity';
import { Activity } from './entities/activity.entity';
import { ActivityFile } from './entities/activity-file.entity';
import { Deal } from './entities/deal.entity';
import { DealFile } from './entities/deal-file.entity';

/** An SQL condition over `deals` aliased `d`. */
export interface DealCondition {
  sql: string;
  params: Record<string, unknown>;
}

export interface DealCardFilters {
  stageId?: string;
  priority?: string;
  assigneeDepartment?: string;
  q?: string;
  limit?: number;
  offset?: number;
}

/** Everything a page of cards needs, read with a fixed number of queries. */
export interface DealCardRows {
  /** With `user` and `responsibleUser` loaded (id and profile picture only). */
  deals: Deal[];
  filesByDeal: Map<number, DealFile[]>;
  activitiesByDeal: Map<number, Activity[]>;
  /** Profile picture key of each activity's author (matched by e-mail), by activity id. */
  activityPictures: Map<number, string | null>;
  filesByActivity: Map<number, ActivityFile[]>;
}

/**
 * Reads ticket cards for the listings (SPEC §5 "No N+1"): one query for the page of deals (with requester
 * and responsible pictures joined), then one each for deal files, activities (with author pictures
 * joined) and activity files — 4 queries whatever the number of tickets, activities and files; 1 when the
 * page is empty.
 */
@Injectable()
export class TicketCardsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(conditions: DealCondition[], filters: DealCardFilters = {}): Promise<DealCardRows> {
    const deals = await this.dealsQuery(conditions, filters).getMany();
    const empty: DealCardRows = { deals, filesByDeal: new Map(), activitiesByDeal: new Map(), activityPictures: new Map(), filesByActivity: new Map() };
    if (!deals.length) return empty;
    const dealIds = deals.map((d) => d.id);
    const [files, activities, activityFiles] = await Promise.all([
      this.dataSource.getRepository(DealFile).createQueryBuilder('f').where('f.deal_id = ANY(:dealIds)', { dealIds }).orderBy('f.id', 'ASC').getMany(),
      this.dataSource
        .getRepository(Activity)
        .createQueryBuilder('a')
        .leftJoin(User, 'au', 'au.email = lower(a.responsible_email)')
        .addSelect('au.profile_picture', 'author_picture')
        .where('a.deal_id = ANY(:dealIds)', { dealIds })
        .getRawAndEntities(),
      this.dataSource
        .getRepository(ActivityFile)
        .createQueryBuilder('af')
        .innerJoin('af.activity', 'fa')
        .where('fa.deal_id = ANY(:dealIds)', { dealIds })
        .orderBy('af.id', 'ASC')
        .getMany(),
    ]);
    const activityPictures = new Map<number, string | null>();
    for (const raw of activities.raw as { a_id: number; author_picture: string | null }[]) activityPictures.set(Number(raw.a_id), raw.author_picture ?? null);
    return {
      deals,
      filesByDeal: groupBy(files, (f) => f.dealId),
      activitiesByDeal: groupBy(activities.entities.sort(byTimeline), (a) => a.dealId),
      activityPictures,
      filesByActivity: groupBy(activityFiles, (f) => f.activityId),
    };
  }

  /** True when some live ticket is assigned to this department (the kanban's staff rule). */
  async departmentHasTickets(department: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM deals WHERE deleted_at IS NULL AND lower(assignee_department) = lower($1) LIMIT 1',
      [department.trim()],
    );
    return rows.length > 0;
  }

  private dealsQuery(conditions: DealCondition[], filters: DealCardFilters): SelectQueryBuilder<Deal> {
    const qb = this.dataSource
      .getRepository(Deal)
      .createQueryBuilder('d')
      .leftJoin('d.user', 'ru')
      .addSelect(['ru.id', 'ru.profilePicture'])
      .leftJoin('d.responsibleUser', 'rsp')
      .addSelect(['rsp.id', 'rsp.profilePicture'])
      .where('d.deleted_at IS NULL');
    for (const condition of conditions) qb.andWhere(`(${condition.sql})`, condition.params);
    if (filters.stageId) qb.andWhere('d.stage_id = :stageId', { stageId: filters.stageId });
    if (filters.priority) qb.andWhere('d.priority = :priority', { priority: filters.priority });
    if (filters.assigneeDepartment) qb.andWhere('lower(d.assignee_department) = lower(:assigneeDepartment)', { assigneeDepartment: filters.assigneeDepartment.trim() });
    if (filters.q?.trim()) {
      const pattern = `%${filters.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(new Brackets((w) => w.where('d.title ILIKE :q', { q: pattern }).orWhere('d.description ILIKE :q', { q: pattern })));
    }
    qb.orderBy('d.created_at', 'DESC').addOrderBy('d.id', 'DESC');
    // limit/offset (not take/skip): with the many-to-one joins the rows are already one per deal, and
    // take/skip would make TypeORM add a second DISTINCT query.
    if (filters.limit !== undefined) qb.limit(filters.limit);
    if (filters.offset !== undefined) qb.offset(filters.offset);
    return qb;
  }
}

function byTimeline(a: Activity, b: Activity): number {
  const ta = (a.createdAtBitrix ?? a.createdAt).getTime();
  const tb = (b.createdAtBitrix ?? b.createdAt).getTime();
  return ta - tb || a.id - b.id;
}

function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}
