import { Injectable } from '@nestjs/common';
import { AsyncResource } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import pLimit, { Limit } from 'p-limit';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { DealCardDto } from './dto/deal-card.dto';

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

/**
 * A card exactly as the API answers it (`DealCardSchema`), except that every `file_url` and
 * `*_profile_picture_url` still holds the storage key: the presenter swaps each for a presigned URL in place.
 */
export type CardRow = DealCardDto;

/** A timestamptz as JavaScript's `toISOString()` writes it. */
const iso = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const FILES_OF_DEAL = `COALESCE((
  SELECT json_agg(json_build_object('id', f.id, 'file_url', f.file_url, 'filename', f.filename) ORDER BY f.id)
    FROM deal_files f WHERE f.deal_id = d.id), '[]'::json)`;

const ACTIVITIES_OF_DEAL = `COALESCE((
  SELECT json_agg(json_build_object(
           'id', a.id, 'activity_id', a.activity_id, 'type_id', a.type_id, 'direction', a.direction,
           'subject', a.subject, 'description', a.description, 'body_html', a.body_html,
           'responsible_name', a.responsible_name, 'responsible_email', a.responsible_email,
           'responsible_profile_picture_url', au.profile_picture, 'from_email', a.from_email, 'to_email', a.to_email,
           'created_at_bitrix', ${iso('a.created_at_bitrix')}, 'created_at', ${iso('a.created_at')},
           'files', COALESCE((
             SELECT json_agg(json_build_object('id', af.id, 'file_url', af.file_url, 'filename', af.filename) ORDER BY af.id)
               FROM activity_files af WHERE af.activity_id = a.id), '[]'::json))
         ORDER BY COALESCE(a.created_at_bitrix, a.created_at), a.id)
    FROM activities a
    LEFT JOIN users au ON au.email = lower(a.responsible_email)
   WHERE a.deal_id = d.id), '[]'::json)`;

/** The columns of a card, in the seed's field order; nested `files` and `activities` built as JSON. */
const CARD_COLUMNS = `
  d.id AS id,
  d.deal_id AS deal_id,
  d.title AS title,
  d.description AS description,
  d.stage_id AS stage_id,
  d.opened AS opened,
  d.closed AS closed,
  d.created_by_id AS created_by_id,
  d.requester_department AS requester_department,
  d.assignee_department AS assignee_department,
  d.service_category AS service_category,
  d.system_type AS system_type,
  d.priority AS priority,
  d.matricula AS matricula,
  ${iso('d.date_deadline')} AS date_deadline,
  d.modify_by_id AS modify_by_id,
  d.moved_by_id AS moved_by_id,
  d.last_activity_by_id AS last_activity_by_id,
  d.last_communication_time AS last_communication_time,
  ${iso('d.close_date')} AS close_date,
  ${iso('d.begin_date')} AS begin_date,
  ${iso('d.created_at')} AS created_at,
  ${iso('d.updated_at')} AS updated_at,
  d.responsible AS responsible,
  d.responsible_email AS responsible_email,
  rsp.profile_picture AS responsible_profile_picture_url,
  ru.profile_picture AS requester_profile_picture_url,
  d.is_unread AS is_unread,
  d.user_id AS user_id,
  d.responsible_id AS responsible_id,
  d.requester_email AS requester_email,
  d.rating AS rating,
  d.rating_comment AS rating_comment,
  ${FILES_OF_DEAL} AS files,
  ${ACTIVITIES_OF_DEAL} AS activities`;

/** The row versions (`xmin`) behind one card: the deal and its users, activities and their authors, files. */
const VERSION_OF_DEAL = `concat(
  d.id, ':', d.xmin::text, ':', coalesce(ru.xmin::text, ''), ':', coalesce(rsp.xmin::text, ''),
  '#', coalesce((SELECT string_agg(a.id || ':' || a.xmin::text || ':' || coalesce(au.xmin::text, ''), ',' ORDER BY a.id)
                  FROM activities a LEFT JOIN users au ON au.email = lower(a.responsible_email) WHERE a.deal_id = d.id), ''),
  '#', coalesce((SELECT string_agg(af.id || ':' || af.xmin::text, ',' ORDER BY af.id)
                  FROM activity_files af JOIN activities a ON a.id = af.activity_id WHERE a.deal_id = d.id), ''),
  '#', coalesce((SELECT string_agg(f.id || ':' || f.xmin::text, ',' ORDER BY f.id) FROM deal_files f WHERE f.deal_id = d.id), ''))`;

/**
 * Reads ticket cards for the listings (SPEC §5 "No N+1") in one query whatever the number of tickets,
 * activities and files: PostgreSQL builds each card's nested `files` and `activities` as JSON, so no
 * entity is hydrated on the hot path.
 *
 * At most `DB_LISTING_CONCURRENCY` of these queries run at once per instance; the others wait in order. A full
 * listing is CPU-heavy for PostgreSQL (≈750 KB of JSON for 200 tickets): with one per pool connection (20), the
 * database ran 20 of them side by side (380–580 ms each on 2 cores, against 110–170 ms four at a time), the small
 * per-request queries (the access token's session) queued behind them in the pool, and where the app shared those
 * cores its one event-loop thread was starved — new connections then waited seconds to be accepted (issue 18,
 * BENCHMARKS.md "the full listing's tail").
 */
@Injectable()
export class TicketCardsRepository {
  private readonly inTurn: Limit;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.inTurn = pLimit(config.database.listingConcurrency);
  }

  find(conditions: DealCondition[], filters: DealCardFilters = {}): Promise<CardRow[]> {
    return this.findWithVersion(conditions, filters).then((page) => page.rows);
  }

  /** The cards and the page's version (see `version`), read in the same query. */
  async findWithVersion(conditions: DealCondition[], filters: DealCardFilters = {}): Promise<{ rows: CardRow[]; version: string }> {
    const { sql, params } = this.cardsQuery(`${CARD_COLUMNS}, ${VERSION_OF_DEAL} AS row_version`, conditions, filters);
    // Named parameters (the access rule's `:readerId`, the filters) become positional ones, without a query builder.
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(sql, params);
    const rows: (CardRow & { row_version?: string })[] = await this.inTurn(this.asThisRequest(() => this.dataSource.query(query, values)));
    const version = createHash('md5')
      .update(rows.map((row) => row.row_version).join(','))
      .digest('hex');
    for (const row of rows) delete row.row_version;
    return { rows, version };
  }

  /**
   * A fingerprint of everything `find` would answer with, from the rows' versions (PostgreSQL's `xmin`, new on
   * every insert and update) instead of their content: each deal of the page with its requester and
   * responsible users, its activities (and their authors), activity files and deal files. Equal fingerprints
   * mean equal cards but for the presigned URLs, read at a fraction of the cost of building and signing them
   * (the listings' ETag). The same as `findWithVersion`'s, which computes it from the same expression.
   */
  async version(conditions: DealCondition[], filters: DealCardFilters = {}): Promise<string> {
    const page = this.cardsQuery(`${VERSION_OF_DEAL} AS v, row_number() OVER (ORDER BY d.created_at DESC, d.id DESC) AS n`, conditions, filters);
    const [query, values] = this.dataSource.driver.escapeQueryWithParameters(
      `SELECT md5(coalesce(string_agg(v, ',' ORDER BY n), '')) AS version FROM (${page.sql}) page`,
      page.params,
    );
    const rows: { version: string }[] = await this.inTurn(this.asThisRequest(() => this.dataSource.query(query, values)));
    return rows[0].version;
  }

  /**
   * A query run in its turn starts from whichever query ended before it; bound here, it keeps the asking request's
   * async context (its log lines' request id, its trace's spans).
   */
  private asThisRequest<T>(query: () => Promise<T>): () => Promise<T> {
    return AsyncResource.bind(query);
  }

  private cardsQuery(columns: string, conditions: DealCondition[], filters: DealCardFilters): { sql: string; params: Record<string, unknown> } {
    const where = ['d.deleted_at IS NULL'];
    const params: Record<string, unknown> = {};
    const add = (sql: string, values: Record<string, unknown> = {}) => {
      where.push(`(${sql})`);
      Object.assign(params, values);
    };
    for (const condition of conditions) add(condition.sql, condition.params);
    if (filters.stageId) add('d.stage_id = :stageId', { stageId: filters.stageId });
    if (filters.priority) add('d.priority = :priority', { priority: filters.priority });
    if (filters.assigneeDepartment) add('lower(d.assignee_department) = lower(:assigneeDepartment)', { assigneeDepartment: filters.assigneeDepartment.trim() });
    if (filters.q?.trim()) {
      add('d.title ILIKE :q OR d.description ILIKE :q', { q: `%${filters.q.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` });
    }
    let sql = `SELECT ${columns}
      FROM deals d
      LEFT JOIN users ru ON ru.id = d.user_id
      LEFT JOIN users rsp ON rsp.id = d.responsible_id
     WHERE ${where.join(' AND ')}
     ORDER BY d.created_at DESC, d.id DESC`;
    if (filters.limit !== undefined) {
      sql += ' LIMIT :limit';
      params.limit = filters.limit;
    }
    if (filters.offset !== undefined) {
      sql += ' OFFSET :offset';
      params.offset = filters.offset;
    }
    return { sql, params };
  }
}
