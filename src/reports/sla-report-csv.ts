import { stringify } from 'csv-stringify/sync';
import { SlaMetricsDto, SlaReportDto } from './dto/sla-report.dto';

const METRIC_COLUMNS: (keyof SlaMetricsDto)[] = [
  'opened',
  'closed',
  'open',
  'open_overdue',
  'closed_with_deadline',
  'closed_within_sla',
  'pct_closed_within_sla',
  'median_hours_to_close',
  'p90_hours_to_close',
  'mean_rating',
  'ratings_count',
];

type CsvCell = string | number | null | undefined;

/**
 * The report as CSV: a header row, one row per group, then a `total` row. Same column names and values
 * as the JSON (numbers unrounded, null as an empty cell); `row_type` tells groups from the totals.
 */
export function toSlaReportCsv(report: SlaReportDto): string {
  const byResponsible = report.group_by === 'responsible';
  const columns = ['row_type', 'group_by', 'key', 'label', ...(byResponsible ? ['responsible_bitrix_id', 'responsible_id', 'responsible_name'] : []), ...METRIC_COLUMNS];
  const metricCells = (metrics: SlaMetricsDto): CsvCell[] => METRIC_COLUMNS.map((column) => metrics[column]);
  const rows: CsvCell[][] = report.groups.map((group) => [
    'group',
    report.group_by,
    group.key,
    group.label,
    ...(byResponsible ? [group.responsible_bitrix_id, group.responsible_id, group.responsible_name] : []),
    ...metricCells(group),
  ]);
  rows.push(['total', report.group_by, null, 'Total', ...(byResponsible ? [null, null] : []), ...metricCells(report.totals)]);
  return stringify(rows, { header: true, columns, cast: { number: (value) => String(value) } });
}
