import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { applySeedAliases } from '../config/config.loader';
import { buildDataSourceOptions } from './data-source-options';
import { runMigrationsOn } from './migrate';

const USAGE = `Usage: npm run migration:run | migration:revert | migration:status

Schema migrations of DATABASE_URL (or the seed's PG_BOTAPP_* variables), from the compiled code:
  run      apply every pending migration (what the app does at start-up; same advisory lock)
  revert   undo the last applied migration
  status   list the migrations, applied or pending`;

const COMMANDS = ['run', 'revert', 'status'] as const;
type Command = (typeof COMMANDS)[number];
const isCommand = (value: string | undefined): value is Command => COMMANDS.includes(value as Command);

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource(buildDataSourceOptions(url, 2));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function status(dataSource: DataSource): Promise<string[]> {
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const exists = (await dataSource.query(`SELECT to_regclass($1) IS NOT NULL AS exists`, [table])) as { exists: boolean }[];
  const applied = new Set(exists[0]?.exists ? ((await dataSource.query(`SELECT name FROM "${table}"`)) as { name: string }[]).map((r) => r.name) : []);
  return dataSource.migrations.map((m) => `${applied.has(m.name ?? m.constructor.name) ? '[applied]' : '[pending]'} ${m.name ?? m.constructor.name}`);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [command] = argv;
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (!isCommand(command)) {
    process.stderr.write(`${USAGE}\n`);
    return 64; // EX_USAGE
  }
  const url = applySeedAliases(env).DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL (or PG_BOTAPP_HOST/PG_BOTAPP_PORT/PG_BOTAPP_USER/PG_BOTAPP_PASSWORD/PG_CARVALIMA_HELPDESK_DBNAME) is required\n');
    return 78; // EX_CONFIG
  }
  if (command === 'run') {
    const applied = await runMigrationsOn(url);
    process.stdout.write(applied.length ? `Applied ${applied.length} migration(s):\n${applied.map((n) => `  ${n}`).join('\n')}\n` : 'No pending migration.\n');
  } else if (command === 'revert') {
    await withDataSource(url, (dataSource) => dataSource.undoLastMigration({ transaction: 'each' }));
    process.stdout.write('Reverted the last applied migration.\n');
  } else {
    process.stdout.write(`${(await withDataSource(url, status)).join('\n')}\n`);
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`migration failed: ${(error as Error)?.message ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
