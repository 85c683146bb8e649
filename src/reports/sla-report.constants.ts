/** Ways the SLA report can be grouped (query parameter `group_by`). */
export const SLA_REPORT_GROUP_BY = ['priority', 'assignee_department', 'responsible', 'service_category', 'day', 'week', 'month'] as const;
export type SlaReportGroupBy = (typeof SLA_REPORT_GROUP_BY)[number];

/** Label of the group of tickets that have no value for the grouping column. */
export const MISSING_GROUP_LABELS: Readonly<Record<SlaReportGroupBy, string>> = {
  priority: 'Sem prioridade',
  assignee_department: 'Sem departamento',
  responsible: 'Sem responsável',
  service_category: 'Sem categoria',
  day: 'Sem data',
  week: 'Sem data',
  month: 'Sem data',
};
