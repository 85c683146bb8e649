import { QueryRunner } from 'typeorm';

/** The FastAPI system's tables (seed §4.1) and the columns each must have for the database to be recognised. */
export const LEGACY_TABLES = {
  users: ['id', 'full_name', 'matricula', 'email', 'cpf', 'hashed_password', 'department', 'filial', 'phone_number', 'profile_picture', 'is_active', 'is_admin', 'created_at', 'updated_at', 'password_reset_token'],
  deals: [
    'id', 'deal_id', 'title', 'description', 'stage_id', 'opened', 'closed', 'created_by_id', 'modify_by_id', 'moved_by_id',
    'last_activity_by_id', 'last_communication_time', 'close_date', 'date_deadline', 'begin_date', 'requester_department',
    'assignee_department', 'service_category', 'system_type', 'priority', 'matricula', 'responsible', 'responsible_email',
    'requester_email', 'responsible_id', 'user_id', 'file_id', 'file_url', 'is_unread', 'created_at', 'updated_at',
  ],
  activities: [
    'id', 'activity_id', 'deal_id', 'owner_type_id', 'type_id', 'provider_id', 'provider_type_id', 'direction', 'subject',
    'priority', 'responsible_id', 'responsible_name', 'responsible_email', 'description', 'body_html', 'description_type',
    'sender_email', 'from_email', 'to_email', 'receiver_email', 'author_id', 'editor_id', 'read_confirmed', 'file_id',
    'file_url', 'created_at_bitrix', 'created_at',
  ],
  deal_files: ['id', 'deal_id', 'file_id', 'file_url', 'filename'],
  activity_files: ['id', 'activity_id', 'file_id', 'file_url', 'filename'],
} as const;

export type LegacyTable = keyof typeof LEGACY_TABLES;
export const LEGACY_TABLE_NAMES = Object.keys(LEGACY_TABLES) as LegacyTable[];

/** Written by adoption: when it ran, from which Alembic revision, and its counts (no personal data). */
export const ADOPTION_TABLE = 'legacy_adoption';
export const MIGRATIONS_TABLE = 'typeorm_migrations';

export interface LegacyUserRow {
  id: number;
  email: string;
  matricula: string;
  cpf: string | null;
}

export interface IdGroup {
  value: string;
  ids: number[];
}

/**
 * Every read of the legacy database that adoption makes (recognition and the dry-run's checks).
 * Works on the connection's current schema; runs inside the caller's transaction.
 */
export class LegacyDatabaseRepository {
  constructor(private readonly runner: QueryRunner) {}

  async currentSchema(): Promise<string> {
    const [row] = await this.runner.query('SELECT current_schema() AS schema');
    return row.schema as string;
  }

  async tables(): Promise<Set<string>> {
    const rows: { table_name: string }[] = await this.runner.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    return new Set(rows.map((r) => r.table_name));
  }

  async columns(): Promise<Map<string, Set<string>>> {
    const rows: { table_name: string; column_name: string }[] = await this.runner.query(
      'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()',
    );
    const out = new Map<string, Set<string>>();
    for (const r of rows) out.set(r.table_name, (out.get(r.table_name) ?? new Set()).add(r.column_name));
    return out;
  }

  async alembicRevision(): Promise<string | null> {
    const rows: { version_num: string }[] = await this.runner.query('SELECT version_num FROM alembic_version LIMIT 1');
    return rows[0]?.version_num ?? null;
  }

  async appliedMigrations(): Promise<string[]> {
    const rows: { name: string }[] = await this.runner.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`);
    return rows.map((r) => r.name);
  }

  async adoptionRecord(): Promise<{ adopted_at: Date; alembic_revision: string | null } | null> {
    const rows: { adopted_at: Date; alembic_revision: string | null }[] = await this.runner.query(
      `SELECT adopted_at, alembic_revision FROM ${ADOPTION_TABLE} ORDER BY id DESC LIMIT 1`,
    );
    return rows[0] ?? null;
  }

  async counts(): Promise<Record<LegacyTable, number> & { active_users: number; inactive_users: number; admins: number }> {
    const [row] = await this.runner.query(`SELECT
        (SELECT count(*) FROM users)::int AS users,
        (SELECT count(*) FROM users WHERE is_active IS TRUE)::int AS active_users,
        (SELECT count(*) FROM users WHERE is_active IS NOT TRUE)::int AS inactive_users,
        (SELECT count(*) FROM users WHERE is_admin IS TRUE)::int AS admins,
        (SELECT count(*) FROM deals)::int AS deals,
        (SELECT count(*) FROM activities)::int AS activities,
        (SELECT count(*) FROM deal_files)::int AS deal_files,
        (SELECT count(*) FROM activity_files)::int AS activity_files`);
    return row;
  }

  users(): Promise<LegacyUserRow[]> {
    return this.runner.query('SELECT id, email, matricula, cpf FROM users ORDER BY id');
  }

  /** E-mails equal apart from case and surrounding spaces (our look-ups and UNIQUE are on the lower-case form). */
  caseDuplicateEmails(): Promise<IdGroup[]> {
    return this.runner.query(
      `SELECT lower(btrim(email)) AS value, array_agg(id ORDER BY id) AS ids FROM users GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`,
    );
  }

  orphanActivities(): Promise<IdGroup[]> {
    return this.runner.query(
      `SELECT a.activity_id::text AS value, ARRAY[a.id] AS ids FROM activities a WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.id = a.deal_id) ORDER BY a.id`,
    );
  }

  orphanFiles(): Promise<IdGroup[]> {
    return this.runner.query(
      `SELECT 'deal_files.' || f.id AS value, ARRAY[f.id] AS ids FROM deal_files f WHERE NOT EXISTS (SELECT 1 FROM deals d WHERE d.id = f.deal_id)
       UNION ALL
       SELECT 'activity_files.' || f.id, ARRAY[f.id] FROM activity_files f WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.id = f.activity_id)
       ORDER BY 1`,
    );
  }

  /** Deals whose requester (`user_id`) or responsible (`responsible_id`) points at no user. */
  dealsWithMissingUser(): Promise<IdGroup[]> {
    return this.runner.query(
      `SELECT d.deal_id::text AS value, ARRAY[d.id] AS ids FROM deals d
       WHERE (d.user_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id))
          OR (d.responsible_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.responsible_id))
       ORDER BY d.id`,
    );
  }

  /** Our `activity_files` has UNIQUE (activity_id, file_id); the old table did not. */
  duplicateActivityFiles(): Promise<IdGroup[]> {
    return this.runner.query(
      `SELECT activity_id || '/' || file_id AS value, array_agg(id ORDER BY id) AS ids FROM activity_files
       WHERE file_id IS NOT NULL GROUP BY activity_id, file_id HAVING count(*) > 1 ORDER BY 1`,
    );
  }

  /** Rows naming an object key: the file tables, avatars, and the legacy single-file columns when they hold a key. */
  async objectReferences(): Promise<{ key: string; rows: number }[]> {
    return this.runner.query(
      `SELECT key, count(*)::int AS rows FROM (
         SELECT file_url AS key FROM deal_files
         UNION ALL SELECT file_url FROM activity_files
         UNION ALL SELECT profile_picture FROM users
         UNION ALL SELECT file_url FROM deals
         UNION ALL SELECT file_url FROM activities
       ) k WHERE key IS NOT NULL AND key <> '' AND key NOT LIKE '%://%' GROUP BY key ORDER BY key`,
    );
  }

  /** Views and rules built on the legacy tables: converting column types under them fails, so they must go first. */
  dependentViews(): Promise<{ view: string }[]> {
    return this.runner.query(
      `SELECT DISTINCT v.oid::regclass::text AS view
       FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid JOIN pg_class v ON v.oid = r.ev_class
       JOIN pg_class t ON t.oid = d.refobjid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE d.classid = 'pg_rewrite'::regclass AND n.nspname = current_schema() AND t.relname = ANY($1) AND v.oid <> t.oid
       ORDER BY 1`,
      [LEGACY_TABLE_NAMES],
    );
  }

  /** Foreign keys from tables adoption does not know into the legacy tables (they would stop the conversion). */
  foreignReferences(): Promise<{ table: string; constraint: string; target: string }[]> {
    return this.runner.query(
      `SELECT con.conrelid::regclass::text AS table, con.conname AS constraint, con.confrelid::regclass::text AS target
       FROM pg_constraint con
       JOIN pg_class t ON t.oid = con.confrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       JOIN pg_class s ON s.oid = con.conrelid
       WHERE con.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY($1) AND NOT (s.relname = ANY($1))`,
      [LEGACY_TABLE_NAMES],
    );
  }
}
