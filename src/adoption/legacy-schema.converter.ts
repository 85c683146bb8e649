import { MigrationInterface, QueryRunner } from 'typeorm';
import { InitialSchema1795957546684 } from '../../migrations/1795957546684-initial-schema';
import { ADOPTION_TABLE, LEGACY_TABLE_NAMES, MIGRATIONS_TABLE } from './legacy-database.repository';

/**
 * Adoption brings the legacy tables to the state right after this migration; the normal migration runner
 * applies every later one. The target is never written by hand: the migration itself is run into a scratch
 * schema and its catalog (columns, types, defaults, constraints, indexes) is copied, so it cannot drift.
 */
export const ADOPTED_MIGRATION: new () => MigrationInterface = InitialSchema1795957546684;
const TARGET_SCHEMA = 'helpdesk_adoption_target';

export interface TargetColumn {
  table: string;
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
}

interface TargetConstraint {
  table: string;
  name: string;
  type: 'p' | 'u' | 'f' | 'c' | 'x';
  definition: string;
}

interface TargetIndex {
  table: string;
  name: string;
  definition: string;
}

export interface TargetSchema {
  columns: TargetColumn[];
  constraints: TargetConstraint[];
  indexes: TargetIndex[];
  tables: string[];
}

interface LegacyColumn {
  column: string;
  type: string;
  not_null: boolean;
  default: string | null;
  identity: string;
}

const q = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/** The in-place DDL of adoption, on the connection's current schema, inside the caller's transaction. */
export class LegacySchemaConverter {
  private readonly legacyTables = new Set<string>(LEGACY_TABLE_NAMES);

  constructor(
    private readonly runner: QueryRunner,
    private readonly schema: string,
  ) {}

  private table(name: string): string {
    return `${q(this.schema)}.${q(name)}`;
  }

  /** Definitions read from the scratch schema, pointed at the legacy schema instead. */
  private retarget(sql: string): string {
    return sql.split(`${TARGET_SCHEMA}.`).join(`${q(this.schema)}.`);
  }

  async buildTarget(): Promise<TargetSchema> {
    await this.runner.query(`DROP SCHEMA IF EXISTS ${TARGET_SCHEMA} CASCADE`);
    await this.runner.query(`CREATE SCHEMA ${TARGET_SCHEMA}`);
    await this.runner.query(`SET LOCAL search_path TO ${TARGET_SCHEMA}`);
    await new ADOPTED_MIGRATION().up(this.runner);
    await this.runner.query(`SET LOCAL search_path TO ${q(this.schema)}`);
    const columns: TargetColumn[] = await this.runner.query(
      `SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum`,
      [TARGET_SCHEMA],
    );
    const constraints: TargetConstraint[] = await this.runner.query(
      `SELECT c.relname AS table, con.conname AS name, con.contype AS type, pg_get_constraintdef(con.oid) AS definition
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND con.contype IN ('p', 'u', 'f', 'c', 'x') ORDER BY c.relname, con.conname`,
      [TARGET_SCHEMA],
    );
    const indexes: TargetIndex[] = await this.runner.query(
      `SELECT t.relname AS table, i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = x.indexrelid AND con.contype IN ('p', 'u', 'x'))
       ORDER BY t.relname, i.relname`,
      [TARGET_SCHEMA],
    );
    const tables = [...new Set(columns.map((c) => c.table))];
    return { columns, constraints, indexes, tables };
  }

  /** Every constraint (but NOT NULL) and index of the legacy tables goes; ours are added back by name at the end. */
  async dropLegacyConstraintsAndIndexes(): Promise<void> {
    const names = [...this.legacyTables];
    const constraints: { table: string; name: string; type: string }[] = await this.runner.query(
      `SELECT c.relname AS table, con.conname AS name, con.contype AS type
       FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = ANY($2) AND con.contype IN ('p', 'u', 'f', 'c', 'x')
       ORDER BY (con.contype = 'f') DESC`,
      [this.schema, names],
    );
    for (const con of constraints) await this.runner.query(`ALTER TABLE ${this.table(con.table)} DROP CONSTRAINT ${q(con.name)}`);
    const indexes: { name: string }[] = await this.runner.query(
      `SELECT i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = $1 AND t.relname = ANY($2)`,
      [this.schema, names],
    );
    for (const index of indexes) await this.runner.query(`DROP INDEX ${this.table(index.name)}`);
  }

  private async legacyColumns(table: string): Promise<Map<string, LegacyColumn>> {
    const rows: LegacyColumn[] = await this.runner.query(
      `SELECT a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
              pg_get_expr(d.adbin, d.adrelid) AS default, a.attidentity AS identity
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      [this.table(table)],
    );
    return new Map(rows.map((r) => [r.column, r]));
  }

  /** Legacy string values longer than our column of the same name allows (the conversion would refuse them). */
  async valuesTooLong(target: TargetSchema): Promise<string[]> {
    const out: string[] = [];
    for (const table of this.legacyTables) {
      const legacy = await this.legacyColumns(table);
      for (const col of target.columns.filter((c) => c.table === table)) {
        const limit = /^character varying\((\d+)\)$/.exec(col.type)?.[1];
        const have = legacy.get(col.column);
        if (!limit || !have || have.type === col.type) continue;
        const rows: { id: number }[] = await this.runner.query(
          `SELECT id FROM ${this.table(table)} WHERE char_length(${q(col.column)}::text) > $1 ORDER BY id`,
          [Number(limit)],
        );
        out.push(...rows.map((r) => `${table}.${col.column} of id ${r.id} (over ${limit})`));
      }
    }
    return out;
  }

  /**
   * Types, defaults and new columns of one legacy table, in one ALTER TABLE (one rewrite at most).
   * NOT NULL is set later (`enforceNotNull`), once the data steps filled the new columns.
   * Returns the legacy columns our schema does not have (kept, made nullable so our INSERTs work).
   */
  async alignColumns(table: string, target: TargetSchema): Promise<string[]> {
    const legacy = await this.legacyColumns(table);
    const wanted = target.columns.filter((c) => c.table === table);
    const actions: string[] = [];
    for (const col of wanted) {
      const have = legacy.get(col.column);
      const isSerial = col.default?.startsWith('nextval(') ?? false;
      if (!have) {
        actions.push(`ADD COLUMN ${q(col.column)} ${col.type}${col.default && !isSerial ? ` DEFAULT ${col.default}` : ''}`);
        continue;
      }
      if (have.identity) actions.push(`ALTER COLUMN ${q(col.column)} DROP IDENTITY IF EXISTS`);
      if (have.type !== col.type) {
        // To a string type, the assignment cast: it refuses a value too long, where an explicit cast would cut it.
        const using = /^(character varying|text|character)\b/.test(col.type) ? '' : ` USING ${q(col.column)}::${col.type}`;
        actions.push(`ALTER COLUMN ${q(col.column)} TYPE ${col.type}${using}`);
      }
      if (col.default && !isSerial) actions.push(`ALTER COLUMN ${q(col.column)} SET DEFAULT ${col.default}`);
      else if (!col.default && have.default && !have.identity) actions.push(`ALTER COLUMN ${q(col.column)} DROP DEFAULT`);
      if (!col.not_null && have.not_null) actions.push(`ALTER COLUMN ${q(col.column)} DROP NOT NULL`);
    }
    const wantedNames = new Set(wanted.map((c) => c.column));
    const extra = [...legacy.values()].filter((c) => !wantedNames.has(c.column));
    for (const col of extra) if (col.not_null) actions.push(`ALTER COLUMN ${q(col.column)} DROP NOT NULL`);
    if (actions.length) await this.runner.query(`ALTER TABLE ${this.table(table)} ${actions.join(', ')}`);
    return extra.map((c) => `${table}.${c.column}`);
  }

  /**
   * The `SERIAL` our migration gives `id`: sequence `<table>_id_seq` owned by the column, moved past the
   * highest kept ID and never lowered (setval is not undone by a rollback, so it must be harmless).
   */
  async fixSequence(table: string): Promise<void> {
    const seq = `${q(this.schema)}.${q(`${table}_id_seq`)}`;
    await this.runner.query(`CREATE SEQUENCE IF NOT EXISTS ${seq} AS integer`);
    await this.runner.query(`ALTER SEQUENCE ${seq} AS integer`);
    await this.runner.query(`ALTER SEQUENCE ${seq} OWNED BY ${this.table(table)}."id"`);
    await this.runner.query(`ALTER TABLE ${this.table(table)} ALTER COLUMN "id" SET DEFAULT nextval('${seq.replace(/'/g, "''")}'::regclass)`);
    await this.runner.query(
      `SELECT setval('${seq.replace(/'/g, "''")}', GREATEST(
         (SELECT COALESCE(max(id), 0) FROM ${this.table(table)}),
         (SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM ${seq}),
         1))`,
    );
  }

  /** Stores each user's CPF as our AES-256-GCM ciphertext plus its HMAC, in batches of 500. */
  async reencryptCpfs(rows: { id: number; cpf: string; cpfHash: string }[], onBatch?: (done: number) => void): Promise<void> {
    for (let start = 0; start < rows.length; start += 500) {
      const batch = rows.slice(start, start + 500);
      await this.runner.query(
        `UPDATE ${this.table('users')} u SET "cpf" = v.cpf, "cpf_hash" = v.cpf_hash
         FROM unnest($1::int[], $2::text[], $3::text[]) AS v(id, cpf, cpf_hash) WHERE u.id = v.id`,
        [batch.map((r) => r.id), batch.map((r) => r.cpf), batch.map((r) => r.cpfHash)],
      );
      onBatch?.(start + batch.length);
    }
  }

  /** Our look-ups and registration use the lower-case e-mail; the old API stored it as typed. */
  async lowerCaseEmails(): Promise<number> {
    const [, count] = await this.runner.query(`UPDATE ${this.table('users')} SET "email" = lower(btrim("email")) WHERE "email" <> lower(btrim("email"))`);
    return Number(count ?? 0);
  }

  /** The old column held the reset token itself; ours holds its SHA-256, so a pending reset must be asked again. */
  async clearResetTokens(): Promise<number> {
    const [, count] = await this.runner.query(`UPDATE ${this.table('users')} SET "password_reset_token" = NULL WHERE "password_reset_token" IS NOT NULL`);
    return Number(count ?? 0);
  }

  /**
   * The old system mirrored everything through activity events, one Bitrix ID space (`bitrix_source`
   * defaults to 'activity'); only rows that say they are timeline comments get that ID space.
   */
  async markTimelineComments(providerId: string): Promise<number> {
    const [, count] = await this.runner.query(`UPDATE ${this.table('activities')} SET "bitrix_source" = 'comment' WHERE "provider_id" = $1`, [providerId]);
    return Number(count ?? 0);
  }

  /** Fills the NULLs a NOT NULL column of ours cannot hold, then sets NOT NULL (one ALTER per table). */
  async enforceNotNull(table: string, target: TargetSchema): Promise<void> {
    const legacy = await this.legacyColumns(table);
    const columns = target.columns.filter((c) => c.table === table && c.not_null && !legacy.get(c.column)?.not_null);
    for (const col of columns) {
      const fill =
        col.type === 'boolean'
          ? // Python treated a NULL flag as false (`if not user.is_active`).
            'false'
          : col.column === 'updated_at' && legacy.has('created_at')
            ? 'COALESCE("created_at", now())'
            : col.default && !col.default.startsWith('nextval(')
              ? col.default
              : null;
      if (fill) await this.runner.query(`UPDATE ${this.table(table)} SET ${q(col.column)} = ${fill} WHERE ${q(col.column)} IS NULL`);
    }
    if (columns.length) {
      await this.runner.query(`ALTER TABLE ${this.table(table)} ${columns.map((c) => `ALTER COLUMN ${q(c.column)} SET NOT NULL`).join(', ')}`);
    }
  }

  /** Our keys and unique constraints, then the tables our schema adds, then every foreign key, then indexes. */
  async addTargetConstraints(target: TargetSchema): Promise<void> {
    const byTable = (table: string, types: string[]) => target.constraints.filter((c) => c.table === table && types.includes(c.type));
    for (const table of this.legacyTables) {
      const keys = byTable(table, ['p', 'u', 'c', 'x']);
      if (keys.length) {
        await this.runner.query(`ALTER TABLE ${this.table(table)} ${keys.map((c) => `ADD CONSTRAINT ${q(c.name)} ${this.retarget(c.definition)}`).join(', ')}`);
      }
    }
    const added = target.tables.filter((t) => !this.legacyTables.has(t));
    for (const fk of target.constraints.filter((c) => c.type === 'f')) {
      await this.runner.query(`ALTER TABLE ${TARGET_SCHEMA}.${q(fk.table)} DROP CONSTRAINT ${q(fk.name)}`);
    }
    for (const table of added) await this.runner.query(`ALTER TABLE ${TARGET_SCHEMA}.${q(table)} SET SCHEMA ${q(this.schema)}`);
    for (const table of target.tables) {
      const fks = byTable(table, ['f']);
      if (fks.length) {
        await this.runner.query(`ALTER TABLE ${this.table(table)} ${fks.map((c) => `ADD CONSTRAINT ${q(c.name)} ${this.retarget(c.definition)}`).join(', ')}`);
      }
    }
    for (const index of target.indexes.filter((i) => this.legacyTables.has(i.table))) await this.runner.query(this.retarget(index.definition));
    await this.runner.query(`DROP SCHEMA ${TARGET_SCHEMA} CASCADE`);
  }

  /**
   * From here on the database is ours: the adopted migration recorded as applied (TypeORM's own table and
   * columns), the old Alembic marker replaced by an adoption record.
   */
  async markAsOurs(alembicRevision: string | null, counts: Record<string, number>): Promise<void> {
    const migration = new ADOPTED_MIGRATION();
    const name = migration.name ?? ADOPTED_MIGRATION.name;
    await this.runner.query(
      `CREATE TABLE IF NOT EXISTS ${this.table(MIGRATIONS_TABLE)} ("id" SERIAL NOT NULL, "timestamp" bigint NOT NULL, "name" character varying NOT NULL, CONSTRAINT "PK_typeorm_migrations" PRIMARY KEY ("id"))`,
    );
    await this.runner.query(`INSERT INTO ${this.table(MIGRATIONS_TABLE)} ("timestamp", "name") VALUES ($1, $2)`, [Number(name.slice(-13)), name]);
    await this.runner.query(
      `CREATE TABLE ${this.table(ADOPTION_TABLE)} ("id" SERIAL PRIMARY KEY, "adopted_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "alembic_revision" character varying(32), "counts" jsonb NOT NULL)`,
    );
    await this.runner.query(`INSERT INTO ${this.table(ADOPTION_TABLE)} ("alembic_revision", "counts") VALUES ($1, $2)`, [alembicRevision, JSON.stringify(counts)]);
    await this.runner.query(`DROP TABLE IF EXISTS ${this.table('alembic_version')}`);
  }
}
