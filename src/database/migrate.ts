import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './data-source-options';

/** Arbitrary constant: the advisory lock that serialises migrations when several instances boot at once. */
const MIGRATION_LOCK_KEY = 728_130_551;

/** Applies pending migrations under an advisory lock; returns the names applied. */
export async function runMigrationsOn(url: string): Promise<string[]> {
  const dataSource = new DataSource({ ...buildDataSourceOptions(url, 2) });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
