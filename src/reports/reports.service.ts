import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user';
import { SlaReportQueryDto } from './dto/sla-report-query.dto';
import { SlaMetricsDto, SlaReportDto, SlaReportGroupDto } from './dto/sla-report.dto';
import { parseReportBound, resolveReportRange } from './report-date-range';
import { toSlaReportCsv } from './sla-report-csv';
import { MISSING_GROUP_LABELS, SlaReportGroupBy } from './sla-report.constants';
import { SlaReportRepository, SlaReportRow } from './sla-report.repository';
import { TICKET_PRIORITIES } from '../bitrix/ticket-sla';

export interface CsvFile {
  filename: string;
  content: string;
}

@Injectable()
export class ReportsService {
  constructor(private readonly repository: SlaReportRepository) {}

  /** Runs the one aggregate query and shapes groups (sorted) and totals, over what the principal may see. */
  async slaReport(principal: ReportReader, requested: SlaReportQueryDto): Promise<SlaReportDto> {
    const query = scopedToReader(principal, requested);
    const range = resolveReportRange(parseReportBound(query.from), parseReportBound(query.to));
    if (!range) throw new BadRequestException(['from deve ser anterior ou igual a to']);
    const groupBy: SlaReportGroupBy = query.group_by ?? 'priority';
    const now = new Date();
    const rows = await this.repository.aggregate({
      range,
      assigneeDepartment: query.assignee_department ?? null,
      priority: query.priority ?? null,
      responsibleId: query.responsible_id ?? null,
      serviceCategory: query.service_category ?? null,
      groupBy,
      now,
    });
    const totalsRow = rows.find((row) => row.is_total);
    const groups = rows.filter((row) => !row.is_total && row.opened > 0).map((row) => toGroup(row, groupBy));
    return {
      generated_at: now.toISOString(),
      group_by: groupBy,
      filters: {
        from: query.from ?? null,
        to: query.to ?? null,
        assignee_department: query.assignee_department ?? null,
        priority: query.priority ?? null,
        responsible_id: query.responsible_id ?? null,
        service_category: query.service_category ?? null,
      },
      groups: sortGroups(groups, groupBy),
      totals: totalsRow ? toMetrics(totalsRow) : emptyMetrics(),
    };
  }

  async slaReportCsv(principal: ReportReader, query: SlaReportQueryDto): Promise<CsvFile> {
    const report = await this.slaReport(principal, query);
    return { filename: slaReportFilename(query.from, query.to), content: toSlaReportCsv(report) };
  }
}

/** `sla-report-<from>-<to>.csv`, with "inicio"/"hoje" for a missing bound and only filename-safe characters. */
export function slaReportFilename(from: string | undefined, to: string | undefined): string {
  const safe = (value: string) => value.replace(/[^0-9A-Za-z-]/g, '');
  return `sla-report-${from ? safe(from) : 'inicio'}-${to ? safe(to) : 'hoje'}.csv`;
}

function toMetrics(row: SlaReportRow): SlaMetricsDto {
  return {
    opened: row.opened,
    closed: row.closed,
    open: row.open,
    open_overdue: row.open_overdue,
    closed_with_deadline: row.closed_with_deadline,
    closed_within_sla: row.closed_within_sla,
    pct_closed_within_sla: row.closed_with_deadline > 0 ? (100 * row.closed_within_sla) / row.closed_with_deadline : null,
    median_hours_to_close: row.median_hours_to_close,
    p90_hours_to_close: row.p90_hours_to_close,
    mean_rating: row.ratings_count > 0 ? row.mean_rating : null,
    ratings_count: row.ratings_count,
  };
}

function emptyMetrics(): SlaMetricsDto {
  return toMetrics({
    is_total: true,
    group_key: null,
    group_label: null,
    responsible_user_id: null,
    opened: 0,
    closed: 0,
    open: 0,
    open_overdue: 0,
    closed_with_deadline: 0,
    closed_within_sla: 0,
    median_hours_to_close: null,
    p90_hours_to_close: null,
    mean_rating: null,
    ratings_count: 0,
  });
}

function toGroup(row: SlaReportRow, groupBy: SlaReportGroupBy): SlaReportGroupDto {
  const label = row.group_key === null ? MISSING_GROUP_LABELS[groupBy] : (row.group_label ?? row.group_key);
  const identity: Pick<SlaReportGroupDto, 'key' | 'label' | 'responsible_id' | 'responsible_bitrix_id' | 'responsible_name'> = { key: row.group_key, label };
  if (groupBy === 'responsible') {
    identity.responsible_bitrix_id = row.group_key === null || row.group_key.startsWith('user:') ? null : row.group_key;
    identity.responsible_id = row.responsible_user_id === null ? null : Number(row.responsible_user_id);
    identity.responsible_name = row.group_key === null ? null : row.group_label;
  }
  return { ...identity, ...toMetrics(row) };
}

const collator = new Intl.Collator('pt-BR', { sensitivity: 'base', numeric: true });

/** Priorities by severity, periods chronologically, the rest alphabetically; the group without a value last. */
function sortGroups(groups: SlaReportGroupDto[], groupBy: SlaReportGroupBy): SlaReportGroupDto[] {
  const rank = (group: SlaReportGroupDto): number => {
    if (group.key === null) return Number.MAX_SAFE_INTEGER;
    if (groupBy !== 'priority') return 0;
    const index = (TICKET_PRIORITIES as readonly string[]).indexOf(group.key);
    return index === -1 ? TICKET_PRIORITIES.length : index;
  };
  const chronological = groupBy === 'day' || groupBy === 'week' || groupBy === 'month';
  return [...groups].sort((a, b) => {
    const byRank = rank(a) - rank(b);
    if (byRank !== 0) return byRank;
    if (chronological) return (a.key ?? '').localeCompare(b.key ?? '');
    return collator.compare(a.label, b.label) || collator.compare(a.key ?? '', b.key ?? '');
  });
}

/** Who reads a report: an admin (every department) or a lead (their departments only). */
export type ReportReader = Pick<AuthUser, 'isAdmin' | 'leadOf'>;

/**
 * The SLA report an admin asked for, or a lead's, limited to a department they lead: without
 * `assignee_department` a lead of one department gets that one; a lead of several must name it.
 */
export function scopedToReader(principal: ReportReader, query: SlaReportQueryDto): SlaReportQueryDto {
  if (principal.isAdmin) return query;
  if (principal.leadOf.length === 0) throw new ForbiddenException('Relatórios: apenas administradores e líderes de departamento');
  if (query.assignee_department === undefined) {
    if (principal.leadOf.length > 1) {
      throw new ForbiddenException(`assignee_department: informe um dos departamentos que você lidera (${principal.leadOf.join(', ')})`);
    }
    return { ...query, assignee_department: principal.leadOf[0] };
  }
  if (!principal.leadOf.includes(query.assignee_department.trim().toLowerCase())) {
    throw new ForbiddenException('assignee_department: você só vê o relatório dos departamentos que lidera');
  }
  return query;
}
