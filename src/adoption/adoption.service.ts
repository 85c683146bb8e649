import { DataSource, QueryRunner } from 'typeorm';
import { TIMELINE_COMMENT_PROVIDER_ID } from '../bitrix/bitrix-activity.mapper';
import { CpfCipher, isValidCpf } from '../users/cpf';
import { AdoptionFinding, AdoptionReport, DatabaseState, FindingKind, SAMPLE_LIMIT, blockingFindings } from './adoption-report';
import { LegacyCpfReader } from './legacy-cpf.decoder';
import {
  ADOPTION_TABLE,
  IdGroup,
  LEGACY_TABLES,
  LEGACY_TABLE_NAMES,
  LegacyDatabaseRepository,
  MIGRATIONS_TABLE,
} from './legacy-database.repository';
import { LegacyObjectStore } from './legacy-object-store';
import { LegacySchemaConverter, TargetSchema } from './legacy-schema.converter';

/** Same rule as registration (src/users/dto/user-register.dto.ts, seed §8.2): numeric, up to 8 digits, no leading zero. */
const MATRICULA = /^[1-9]\d{0,7}$/;

/** Progress of a long step (the CLI draws it with cli-progress). */
export interface AdoptionProgress {
  start(step: string, total: number): void;
  update(done: number): void;
  stop(): void;
}

export interface AdoptionSummary {
  counts: AdoptionReport['counts'];
  cpfsReencrypted: Record<string, number>;
  emailsLowerCased: number;
  resetTokensCleared: number;
  timelineComments: number;
  sequencesFixed: string[];
  extraColumnsKept: string[];
  durationMs: number;
}

export type AdoptionOutcome =
  | { kind: 'unrecognised'; reason: string }
  | { kind: 'already-ours'; adoptedAt: Date | null; migrationsApplied: string[] }
  | { kind: 'dry-run'; report: AdoptionReport }
  | { kind: 'blocked'; report: AdoptionReport }
  | { kind: 'adopted'; report: AdoptionReport; summary: AdoptionSummary; migrationsApplied: string[] };

export interface AdoptionDependencies {
  dataSource: DataSource;
  cpfReader: LegacyCpfReader;
  cipher: CpfCipher;
  objectStore: LegacyObjectStore;
  /** The normal migration runner (advisory-locked), for the migrations after the adopted one. */
  runMigrations: () => Promise<string[]>;
  progress?: AdoptionProgress;
}

/** Adoption committed, but a step after it (clean-up, later migrations) failed: fix its cause and run `npm run adopt` again. */
export class PostAdoptionMigrationError extends Error {
  constructor(cause: Error) {
    super(`the database was adopted (committed), but a step after it failed: ${cause.message}; fix it and run npm run adopt again`, { cause });
  }
}

type ObjectListing = Set<string> | { error: string };

interface Analysis {
  report: AdoptionReport;
  /** Decoded CPF digits per user ID; only in memory, only for the conversion. */
  cpfs: Map<number, { digits: string; scheme: string }>;
}

/**
 * Takes over the FastAPI system's database (seed §4.1) in place. The dry run reads in a transaction that is
 * always rolled back; the adoption is ONE transaction (tables locked, checks run again inside it, schema converted,
 * CPFs re-encrypted, database marked as ours): it either commits whole or leaves the database as it was.
 * The migrations after the adopted one then run as on any of our databases, each in its own transaction.
 */
export class AdoptionService {
  constructor(private readonly deps: AdoptionDependencies) {}

  async run(options: { dryRun: boolean }): Promise<AdoptionOutcome> {
    const runner = this.deps.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const repo = new LegacyDatabaseRepository(runner);
      const state = await this.inspect(repo);
      if (state.kind === 'adopted' || state.kind === 'ours') return await this.alreadyOurs(state, options.dryRun);
      if (state.kind !== 'legacy') return { kind: 'unrecognised', reason: state.kind === 'empty' ? 'the database is empty: nothing to adopt (the app creates its schema on start)' : state.reason };
      // Listed before any transaction: no lock is held while talking to S3.
      // The files are only checked, never needed by the conversion: storage being down is a warning, not a stop.
      this.deps.progress?.start('listing objects', 0);
      const objectKeys: ObjectListing = await this.deps.objectStore.listKeys((n) => this.deps.progress?.update(n)).catch((error: Error) => ({ error: error.message }));
      this.deps.progress?.stop();
      return options.dryRun ? await this.dryRun(runner, repo, state, objectKeys) : await this.adopt(runner, repo, objectKeys);
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      await runner.release();
    }
  }

  async inspect(repo: LegacyDatabaseRepository): Promise<DatabaseState> {
    const tables = await repo.tables();
    if (tables.has(MIGRATIONS_TABLE)) {
      const record = tables.has(ADOPTION_TABLE) ? await repo.adoptionRecord() : null;
      return record ? { kind: 'adopted', adoptedAt: record.adopted_at, alembicRevision: record.alembic_revision } : { kind: 'ours' };
    }
    if (tables.size === 0) return { kind: 'empty' };
    const missing = LEGACY_TABLE_NAMES.filter((t) => !tables.has(t));
    if (missing.length) return { kind: 'unknown', reason: `not the FastAPI helpdesk database: tables ${missing.join(', ')} are missing` };
    const columns = await repo.columns();
    const problems: string[] = [];
    const extraColumns: string[] = [];
    for (const table of LEGACY_TABLE_NAMES) {
      const have = columns.get(table) ?? new Set<string>();
      const expected = new Set<string>(LEGACY_TABLES[table]);
      const lacking = [...expected].filter((c) => !have.has(c));
      if (lacking.length) problems.push(`${table} lacks ${lacking.join(', ')}`);
      extraColumns.push(...[...have].filter((c) => !expected.has(c)).map((c) => `${table}.${c}`));
    }
    if (problems.length) return { kind: 'unknown', reason: `not the FastAPI helpdesk schema: ${problems.join('; ')}` };
    if (columns.get('users')?.has('cpf_hash')) {
      return { kind: 'unknown', reason: 'users already has cpf_hash but no typeorm_migrations: converted by something else, refusing to guess' };
    }
    const known = new Set<string>([...LEGACY_TABLE_NAMES, 'alembic_version']);
    return {
      kind: 'legacy',
      schema: await repo.currentSchema(),
      alembicRevision: tables.has('alembic_version') ? await repo.alembicRevision() : null,
      extraColumns,
      extraTables: [...tables].filter((t) => !known.has(t)).sort(),
    };
  }

  private async alreadyOurs(state: DatabaseState & { kind: 'adopted' | 'ours' }, dryRun: boolean): Promise<AdoptionOutcome> {
    const migrationsApplied = dryRun ? [] : await this.deps.runMigrations();
    return { kind: 'already-ours', adoptedAt: state.kind === 'adopted' ? state.adoptedAt : null, migrationsApplied };
  }

  private async dryRun(runner: QueryRunner, repo: LegacyDatabaseRepository, state: DatabaseState & { kind: 'legacy' }, objectKeys: ObjectListing): Promise<AdoptionOutcome> {
    // Rolled back whatever happens; its only write is the scratch schema holding our target, inside it.
    await runner.startTransaction('REPEATABLE READ');
    try {
      const target = await new LegacySchemaConverter(runner, state.schema).buildTarget();
      const { report } = await this.analyse(repo, state, objectKeys, new LegacySchemaConverter(runner, state.schema), target);
      return { kind: 'dry-run', report };
    } finally {
      await runner.rollbackTransaction();
    }
  }

  private async adopt(runner: QueryRunner, repo: LegacyDatabaseRepository, objectKeys: ObjectListing): Promise<AdoptionOutcome> {
    const started = Date.now();
    const progress = this.deps.progress;
    await runner.startTransaction();
    await runner.query(`SET LOCAL lock_timeout = '15s'`);
    // Naive timestamps (if a column lacked the time zone) are read as UTC, as the old API wrote them.
    await runner.query(`SET LOCAL TimeZone = 'UTC'`);
    try {
      await runner.query(`LOCK TABLE ${LEGACY_TABLE_NAMES.join(', ')} IN ACCESS EXCLUSIVE MODE`);
    } catch (error) {
      throw new Error(`cannot lock the legacy tables (is the old API still running? stop it first): ${(error as Error).message}`, { cause: error });
    }
    // Checked again under the lock: another adoption may have finished meanwhile, or rows changed since the dry run.
    const state = await this.inspect(repo);
    if (state.kind === 'adopted' || state.kind === 'ours') {
      await runner.rollbackTransaction();
      return this.alreadyOurs(state, false);
    }
    if (state.kind !== 'legacy') return { kind: 'unrecognised', reason: 'reason' in state ? state.reason : state.kind };
    const converter = new LegacySchemaConverter(runner, state.schema);
    const target = await converter.buildTarget();
    const { report, cpfs } = await this.analyse(repo, state, objectKeys, converter, target);
    if (report.verdict === 'blocked') {
      await runner.rollbackTransaction();
      return { kind: 'blocked', report };
    }

    await converter.dropLegacyConstraintsAndIndexes();
    progress?.start('converting tables', LEGACY_TABLE_NAMES.length);
    const extraColumnsKept: string[] = [];
    for (const [i, table] of LEGACY_TABLE_NAMES.entries()) {
      extraColumnsKept.push(...(await converter.alignColumns(table, target)));
      await converter.fixSequence(table);
      progress?.update(i + 1);
    }
    progress?.stop();

    const rows = [...cpfs].map(([id, c]) => ({ id, cpf: this.deps.cipher.encrypt(c.digits), cpfHash: this.deps.cipher.hash(c.digits) }));
    progress?.start('re-encrypting CPFs', rows.length);
    await converter.reencryptCpfs(rows, (done) => progress?.update(done));
    progress?.stop();
    const cpfsReencrypted: Record<string, number> = {};
    for (const c of cpfs.values()) cpfsReencrypted[c.scheme] = (cpfsReencrypted[c.scheme] ?? 0) + 1;
    const emailsLowerCased = await converter.lowerCaseEmails();
    const resetTokensCleared = await converter.clearResetTokens();
    const timelineComments = await converter.markTimelineComments(TIMELINE_COMMENT_PROVIDER_ID);

    for (const table of target.tables.filter((t) => (LEGACY_TABLE_NAMES as string[]).includes(t))) await converter.enforceNotNull(table, target);
    await converter.addTargetConstraints(target);

    // Nothing may have been lost on the way: the same rows, and no CPF left in clear.
    const after = await repo.counts();
    for (const table of LEGACY_TABLE_NAMES) {
      if (after[table] !== report.counts[table]) throw new Error(`row count of ${table} changed during adoption (${report.counts[table]} → ${after[table]})`);
    }
    const [{ clear }] = await runner.query(`SELECT count(*)::int AS clear FROM users WHERE cpf !~ '^v1\\.'`);
    if (clear !== 0) throw new Error(`${clear} CPFs were not re-encrypted`);

    await converter.markAsOurs(state.alembicRevision, { ...report.counts });
    await runner.commitTransaction();
    let migrationsApplied: string[];
    try {
      // The UPDATE left the old CPF values in dead row versions on disk; rewriting users drops them now.
      await runner.query('VACUUM (FULL, ANALYZE) users');
      for (const table of LEGACY_TABLE_NAMES.filter((t) => t !== 'users')) await runner.query(`ANALYZE ${table}`);
      migrationsApplied = await this.deps.runMigrations();
    } catch (error) {
      throw new PostAdoptionMigrationError(error as Error);
    }
    return {
      kind: 'adopted',
      report,
      migrationsApplied,
      summary: {
        counts: after,
        cpfsReencrypted,
        emailsLowerCased,
        resetTokensCleared,
        timelineComments,
        sequencesFixed: LEGACY_TABLE_NAMES.map((t) => `${t}_id_seq`),
        extraColumnsKept,
        durationMs: Date.now() - started,
      },
    };
  }

  private async analyse(
    repo: LegacyDatabaseRepository,
    state: DatabaseState & { kind: 'legacy' },
    objectKeys: ObjectListing,
    converter: LegacySchemaConverter,
    target: TargetSchema,
  ): Promise<Analysis> {
    const counts = await repo.counts();
    const users = await repo.users();
    const cpfSchemes: Record<string, number> = Object.fromEntries([...this.deps.cpfReader.schemes, 'unknown'].map((s) => [s, 0]));
    const cpfs = new Map<number, { digits: string; scheme: string }>();
    const unreadable: string[] = [];
    const badCheckDigits: string[] = [];
    const byHash = new Map<string, number[]>();
    for (const user of users) {
      const reading = this.deps.cpfReader.read(user.cpf);
      cpfSchemes[reading.scheme] = (cpfSchemes[reading.scheme] ?? 0) + 1;
      if (!reading.ok) {
        unreadable.push(`user ${user.id} (${reading.scheme}: ${reading.reason})`);
        continue;
      }
      cpfs.set(user.id, { digits: reading.cpf, scheme: reading.scheme });
      if (!isValidCpf(reading.cpf)) badCheckDigits.push(`user ${user.id}`);
      const hash = this.deps.cipher.hash(reading.cpf);
      byHash.set(hash, [...(byHash.get(hash) ?? []), user.id]);
    }
    const duplicateCpfs = [...byHash.values()].filter((ids) => ids.length > 1).map((ids) => `users ${ids.join('/')}`);
    const invalidMatriculas = users.filter((u) => !MATRICULA.test(u.matricula)).map((u) => `user ${u.id} (${JSON.stringify(u.matricula)})`);
    const groups = (list: IdGroup[], describe: (g: IdGroup) => string) => list.map(describe);

    const references = await repo.objectReferences();
    const listed = objectKeys instanceof Set ? objectKeys : null;
    const missing = listed ? references.filter((r) => !listed.has(r.key)) : [];
    const finding = (kind: FindingKind, label: string, blocking: boolean, items: string[]): AdoptionFinding => ({
      kind,
      label,
      blocking,
      count: items.length,
      samples: items.slice(0, SAMPLE_LIMIT),
    });
    const findings: AdoptionFinding[] = [
      finding('case_duplicate_emails', 'e-mails equal apart from case', true, groups(await repo.caseDuplicateEmails(), (g) => `${g.value} (users ${g.ids.join('/')})`)),
      finding('duplicate_cpfs', 'duplicate CPFs after normalisation', true, duplicateCpfs),
      finding('unreadable_cpfs', 'CPFs that cannot be read', true, unreadable),
      finding('invalid_matriculas', 'invalid matrículas', true, invalidMatriculas),
      finding('orphan_activities', 'activities whose deal does not exist', true, groups(await repo.orphanActivities(), (g) => `activity_id ${g.value} (id ${g.ids[0]})`)),
      finding('orphan_files', 'files whose deal or activity does not exist', true, groups(await repo.orphanFiles(), (g) => g.value)),
      finding('deals_missing_user', 'deals whose user no longer exists', true, groups(await repo.dealsWithMissingUser(), (g) => `deal_id ${g.value} (id ${g.ids[0]})`)),
      finding('duplicate_activity_files', 'activity files listed twice (same file_id)', true, groups(await repo.duplicateActivityFiles(), (g) => `${g.value} (ids ${g.ids.join('/')})`)),
      finding('foreign_references', 'foreign keys from other tables', true, (await repo.foreignReferences()).map((r) => `${r.table}.${r.constraint} → ${r.target}`)),
      finding('values_too_long', 'values longer than our columns allow', true, await converter.valuesTooLong(target)),
      finding('dependent_views', 'views or rules on the legacy tables', true, (await repo.dependentViews()).map((r) => r.view)),
      finding('missing_objects', 'files whose S3 object is missing', false, missing.map((r) => r.key)),
      finding('objects_unchecked', 'object storage could not be listed', false, objectKeys instanceof Set ? [] : [objectKeys.error]),
      finding('invalid_cpf_check_digits', 'CPFs with wrong check digits (kept)', false, badCheckDigits),
    ];
    const report: AdoptionReport = {
      schema: state.schema,
      alembicRevision: state.alembicRevision,
      counts,
      cpfSchemes,
      objects: { store: this.deps.objectStore.description, checked: listed !== null, keys: references.length, missing: missing.length, rows_missing: missing.reduce((n, r) => n + r.rows, 0) },
      extraColumns: state.extraColumns,
      extraTables: state.extraTables,
      findings,
      verdict: 'ready',
    };
    report.verdict = blockingFindings(report).length ? 'blocked' : 'ready';
    return { report, cpfs };
  }
}
