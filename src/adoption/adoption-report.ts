import type { LegacyTable } from './legacy-database.repository';

/** What the database behind DATABASE_URL is, as far as adoption is concerned. */
export type DatabaseState =
  | { kind: 'legacy'; schema: string; alembicRevision: string | null; extraColumns: string[]; extraTables: string[] }
  | { kind: 'adopted'; adoptedAt: Date; alembicRevision: string | null }
  | { kind: 'ours' }
  | { kind: 'empty' }
  | { kind: 'unknown'; reason: string };

export type FindingKind =
  | 'case_duplicate_emails'
  | 'duplicate_cpfs'
  | 'unreadable_cpfs'
  | 'invalid_matriculas'
  | 'orphan_activities'
  | 'orphan_files'
  | 'deals_missing_user'
  | 'duplicate_activity_files'
  | 'foreign_references'
  | 'dependent_views'
  | 'values_too_long'
  | 'missing_objects'
  | 'objects_unchecked'
  | 'invalid_cpf_check_digits';

/** One kind of row that needs attention; `blocking` ones stop the adoption until fixed in the old database. */
export interface AdoptionFinding {
  kind: FindingKind;
  label: string;
  blocking: boolean;
  count: number;
  /** Up to 10 examples: internal IDs, Bitrix IDs or keys (never a CPF). */
  samples: string[];
}

export interface AdoptionReport {
  schema: string;
  alembicRevision: string | null;
  counts: Record<LegacyTable, number> & { active_users: number; inactive_users: number; admins: number };
  /** CPFs to re-encrypt, per legacy scheme (`unknown` = no decoder recognised the value). */
  cpfSchemes: Record<string, number>;
  objects: { store: string; checked: boolean; keys: number; missing: number; rows_missing: number };
  extraColumns: string[];
  extraTables: string[];
  findings: AdoptionFinding[];
  verdict: 'ready' | 'blocked';
}

export const SAMPLE_LIMIT = 10;

export function blockingFindings(report: AdoptionReport): AdoptionFinding[] {
  return report.findings.filter((f) => f.blocking && f.count > 0);
}

/** The dry-run's report, for a person reading a terminal. */
export function formatReport(report: AdoptionReport): string {
  const n = (value: number) => String(value).padStart(7);
  const lines = [
    `Legacy FastAPI database (schema ${report.schema}, Alembic revision ${report.alembicRevision ?? 'none'})`,
    '',
    'Rows',
    `  users          ${n(report.counts.users)}  (active ${report.counts.active_users}, inactive ${report.counts.inactive_users}, admins ${report.counts.admins})`,
    `  deals          ${n(report.counts.deals)}`,
    `  activities     ${n(report.counts.activities)}`,
    `  deal_files     ${n(report.counts.deal_files)}`,
    `  activity_files ${n(report.counts.activity_files)}`,
    '',
    'CPFs to re-encrypt as AES-256-GCM + HMAC, by legacy scheme',
    ...Object.entries(report.cpfSchemes).map(([scheme, count]) => `  ${scheme.padEnd(14)} ${n(count)}`),
    '',
    report.objects.checked
      ? `Files: ${report.objects.keys} distinct keys in ${report.objects.store}, ${report.objects.missing} missing (${report.objects.rows_missing} rows)`
      : `Files: ${report.objects.keys} distinct keys, NOT checked (${report.objects.store} could not be listed)`,
    '',
    'Conflicts (block the adoption) and warnings',
    ...report.findings.map(
      (f) =>
        `  ${f.blocking ? 'conflict' : 'warning '} ${f.label.padEnd(44)} ${n(f.count)}${f.count ? `  e.g. ${f.samples.join(', ')}${f.count > f.samples.length ? ', …' : ''}` : ''}`,
    ),
  ];
  if (report.extraColumns.length) lines.push('', `Columns not in our schema (kept as they are, NOT NULL dropped): ${report.extraColumns.join(', ')}`);
  if (report.extraTables.length) lines.push('', `Other tables (left alone): ${report.extraTables.join(', ')}`);
  const blocking = blockingFindings(report);
  lines.push(
    '',
    report.verdict === 'ready'
      ? 'Verdict: READY. `npm run adopt` converts the database in one transaction.'
      : `Verdict: BLOCKED by ${blocking.map((f) => `${f.count} ${f.label}`).join('; ')}. Fix these rows in the old database and run the dry run again.`,
  );
  return lines.join('\n');
}
