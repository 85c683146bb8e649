import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReportRange } from './report-date-range';
import { SlaReportGroupBy } from './sla-report.constants';

export interface SlaReportCriteria {
  range: ReportRange;
  assigneeDepartment: string | null;
  priority: string | null;
  responsibleId: number | null;
  serviceCategory: string | null;
  groupBy: SlaReportGroupBy;
  /** Reference instant for "overdue". */
  now: Date;
}

/** One aggregated row as PostgreSQL returns it (numbers already cast to int/float8). */
export interface SlaReportRow {
  is_total: boolean;
  group_key: string | null;
  group_label: string | null;
  opened: number;
  closed: number;
  open: number;
  open_overdue: number;
  closed_with_deadline: number;
  closed_within_sla: number;
  median_hours_to_close: number | null;
  p90_hours_to_close: number | null;
  mean_rating: number | null;
  ratings_count: number;
  /** `group_by=responsible` only: the group's local user, if the responsible has one. */
  responsible_user_id: number | null;
}

/**
 * The expression each grouping aggregates on. Text keys compare byte-wise (COLLATE "C": faster, and the
 * service orders the groups itself); periods group on a UTC timestamp and are formatted after aggregation.
 */
const GROUP_KEY_SQL: Readonly<Record<SlaReportGroupBy, string>> = {
  priority: 'd.priority COLLATE "C"',
  assignee_department: 'd.assignee_department COLLATE "C"',
  service_category: 'd.service_category COLLATE "C"',
  // The Bitrix responsible (every Bitrix user a row of its own, with or without a local account); a ticket
  // whose responsible is only known locally (adopted from the Python system) groups by that user.
  responsible: `COALESCE(d.responsible_bitrix_id, 'user:' || d.responsible_id::text) COLLATE "C"`,
  day: `date_trunc('day', d.created_at AT TIME ZONE 'UTC')`,
  week: `date_trunc('week', d.created_at AT TIME ZONE 'UTC')`,
  month: `date_trunc('month', d.created_at AT TIME ZONE 'UTC')`,
};

/** The group key as the API shows it (text), computed on the few aggregated rows only. */
const GROUP_KEY_TEXT_SQL: Readonly<Record<SlaReportGroupBy, string>> = {
  priority: 'g.group_key',
  assignee_department: 'g.group_key',
  service_category: 'g.group_key',
  responsible: 'g.group_key',
  day: `to_char(g.group_key, 'YYYY-MM-DD')`,
  week: `to_char(g.group_key, 'YYYY-MM-DD')`,
  month: `to_char(g.group_key, 'YYYY-MM')`,
};

/** Human label per group. */
const GROUP_LABEL_SQL: Readonly<Record<SlaReportGroupBy, string>> = {
  priority: 'g.group_key',
  assignee_department: 'g.group_key',
  service_category: 'g.group_key',
  // The local user's name, else the name Bitrix sent with the deal.
  responsible: 'COALESCE(u.full_name, g.fallback_name)',
  day: `to_char(g.group_key, 'YYYY-MM-DD')`,
  week: `to_char(g.group_key, 'IYYY-"W"IW')`,
  month: `to_char(g.group_key, 'YYYY-MM')`,
};

/**
 * The SLA report in one query: every group plus the totals row (GROUPING SETS), percentiles by
 * percentile_cont. Ticket rules (SPEC §8):
 * - closed = `closed = 'Y'`; anything else is open;
 * - overdue = open with a deadline before `now`; tickets without a deadline are never overdue;
 * - within SLA = closed with `close_date <= date_deadline`; the percentage's denominator is the closed
 *   tickets that have both a deadline and a close date (the others cannot be judged);
 * - hours to close = `close_date - created_at` of closed tickets with a close date;
 * - ratings outside 1–5 are not ratings; deleted tickets (`deleted_at`) are left out.
 */
@Injectable()
export class SlaReportRepository {
  constructor(private readonly dataSource: DataSource) {}

  async aggregate(criteria: SlaReportCriteria): Promise<SlaReportRow[]> {
    const params: unknown[] = [criteria.now.toISOString()];
    const nowParam = '$1::timestamptz';
    const where = ['d.deleted_at IS NULL'];
    const bind = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    const { range } = criteria;
    if (range.fromInclusive) where.push(`d.created_at >= ${bind(range.fromInclusive.toISOString())}::timestamptz`);
    if (range.toExclusive) where.push(`d.created_at < ${bind(range.toExclusive.toISOString())}::timestamptz`);
    if (range.toInclusive) where.push(`d.created_at <= ${bind(range.toInclusive.toISOString())}::timestamptz`);
    if (criteria.assigneeDepartment !== null) where.push(`lower(d.assignee_department) = lower(${bind(criteria.assigneeDepartment)})`); // as the role scopes compare
    if (criteria.priority !== null) where.push(`d.priority = ${bind(criteria.priority)}`);
    if (criteria.responsibleId !== null) where.push(`d.responsible_id = ${bind(criteria.responsibleId)}::int`);
    if (criteria.serviceCategory !== null) where.push(`d.service_category = ${bind(criteria.serviceCategory)}`);

    const byResponsible = criteria.groupBy === 'responsible';
    // `t` narrows each ticket to what the aggregates read, so the sort feeding the groups moves little data.
    const sql = `
      WITH t AS (
        SELECT
          ${GROUP_KEY_SQL[criteria.groupBy]} AS group_key,
          ${byResponsible ? 'd.responsible' : 'NULL::text'} AS responsible_name,
          ${byResponsible ? 'd.responsible_id' : 'NULL::int'} AS responsible_user_id,
          COALESCE(d.closed = 'Y', false) AS is_closed,
          d.date_deadline,
          d.close_date,
          CASE WHEN d.rating BETWEEN 1 AND 5 THEN d.rating END AS rating,
          CASE WHEN d.closed = 'Y' THEN date_part('epoch', d.close_date - d.created_at) / 3600 END AS hours_to_close
        FROM deals d
        WHERE ${where.join(' AND ')}
      ), g AS (
        SELECT
          GROUPING(t.group_key) = 1 AS is_total,
          t.group_key,
          min(t.responsible_name) AS fallback_name,
          min(t.responsible_user_id) AS local_responsible_id,
          count(*)::int AS opened,
          (count(*) FILTER (WHERE t.is_closed))::int AS closed,
          (count(*) FILTER (WHERE NOT t.is_closed))::int AS open,
          (count(*) FILTER (WHERE NOT t.is_closed AND t.date_deadline < ${nowParam}))::int AS open_overdue,
          (count(*) FILTER (WHERE t.is_closed AND t.date_deadline IS NOT NULL AND t.close_date IS NOT NULL))::int AS closed_with_deadline,
          (count(*) FILTER (WHERE t.is_closed AND t.close_date <= t.date_deadline))::int AS closed_within_sla,
          percentile_cont(0.5) WITHIN GROUP (ORDER BY t.hours_to_close) AS median_hours_to_close,
          percentile_cont(0.9) WITHIN GROUP (ORDER BY t.hours_to_close) AS p90_hours_to_close,
          avg(t.rating)::float8 AS mean_rating,
          count(t.rating)::int AS ratings_count
        FROM t
        GROUP BY GROUPING SETS ((t.group_key), ())
      )
      SELECT
        g.is_total, g.opened, g.closed, g.open, g.open_overdue, g.closed_with_deadline, g.closed_within_sla,
        g.median_hours_to_close, g.p90_hours_to_close, g.mean_rating, g.ratings_count,
        CASE WHEN g.is_total THEN NULL ELSE g.local_responsible_id END AS responsible_user_id,
        CASE WHEN g.is_total THEN NULL ELSE ${GROUP_KEY_TEXT_SQL[criteria.groupBy]} END AS group_key,
        CASE WHEN g.is_total OR g.group_key IS NULL THEN NULL ELSE ${GROUP_LABEL_SQL[criteria.groupBy]} END AS group_label
      FROM g
      ${byResponsible ? 'LEFT JOIN users u ON NOT g.is_total AND u.id = g.local_responsible_id' : ''}`;
    return this.dataSource.query<SlaReportRow[]>(sql, params);
  }
}
