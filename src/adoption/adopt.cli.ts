import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import { DataSource } from 'typeorm';
import { ConfigError, applySeedAliases, loadAppConfig } from '../config/config.loader';
import { buildDataSourceOptions } from '../database/data-source-options';
import { runMigrationsOn } from '../database/migrate';
import { CpfCipher } from '../users/cpf';
import { formatReport } from './adoption-report';
import { AdoptionOutcome, AdoptionProgress, AdoptionService, AdoptionSummary, PostAdoptionMigrationError } from './adoption.service';
import { FernetError } from './fernet-token';
import { LegacyCpfReader } from './legacy-cpf.decoder';
import { legacyObjectStoreFor } from './legacy-object-store';

const USAGE = `Usage: npm run adopt -- [--dry-run] [--json] [--quiet]

Takes over the FastAPI helpdesk's PostgreSQL database (DATABASE_URL) in place: its tables are brought to
this service's schema in ONE transaction (all or nothing), IDs and Bitrix IDs kept, CPFs re-encrypted,
password hashes kept; then the remaining migrations run. Settings come from env, like the app, plus
LEGACY_CPF_FERNET_KEY when the old system stored CPFs with Python Fernet.
  --dry-run  change nothing; report counts, CPF schemes, conflicts, missing S3 objects and the verdict
  --json     print the outcome as JSON instead of text
  --quiet    no progress bars
Exit codes: 0 ready / adopted / already ours, 2 blocked by conflicts, 3 database not recognised,
64 bad arguments, 78 bad configuration, 1 failure (the database is left as it was).`;

export interface AdoptCliArgs {
  dryRun: boolean;
  json: boolean;
  quiet: boolean;
}

export const EXIT = { ok: 0, failed: 1, blocked: 2, unrecognised: 3, usage: 64, config: 78 } as const;

export function parseAdoptArgs(argv: string[]): AdoptCliArgs | { error: string } | { help: true } {
  const args: AdoptCliArgs = { dryRun: false, json: false, quiet: false };
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--dry-run') args.dryRun = true;
    else if (arg === '--json') args.json = true;
    else if (arg === '--quiet') args.quiet = true;
    else return { error: `unknown argument ${JSON.stringify(arg)}` };
  }
  return args;
}

export function exitCodeOf(outcome: AdoptionOutcome): number {
  switch (outcome.kind) {
    case 'unrecognised':
      return EXIT.unrecognised;
    case 'blocked':
      return EXIT.blocked;
    case 'dry-run':
      return outcome.report.verdict === 'ready' ? EXIT.ok : EXIT.blocked;
    case 'already-ours':
    case 'adopted':
      return EXIT.ok;
  }
}

function formatSummary(summary: AdoptionSummary, migrations: string[]): string {
  const c = summary.counts;
  return [
    `Adopted in ${(summary.durationMs / 1000).toFixed(1)} s (one transaction, committed).`,
    `  kept: ${c.users} users, ${c.deals} deals, ${c.activities} activities, ${c.deal_files} deal files, ${c.activity_files} activity files (IDs and Bitrix IDs unchanged)`,
    `  CPFs re-encrypted: ${Object.entries(summary.cpfsReencrypted).map(([s, n]) => `${n} ${s}`).join(', ') || 'none'}`,
    `  e-mails lower-cased: ${summary.emailsLowerCased}; pending password resets cleared: ${summary.resetTokensCleared}; timeline comments: ${summary.timelineComments}`,
    `  sequences moved past the kept IDs: ${summary.sequencesFixed.join(', ')}`,
    ...(summary.extraColumnsKept.length ? [`  columns kept outside our schema: ${summary.extraColumnsKept.join(', ')}`] : []),
    `  migrations applied after adoption: ${migrations.join(', ') || 'none'}`,
  ].join('\n');
}

export function formatOutcome(outcome: AdoptionOutcome): string {
  switch (outcome.kind) {
    case 'unrecognised':
      return `Refused: ${outcome.reason}. Nothing was changed.`;
    case 'already-ours':
      return [
        outcome.adoptedAt ? `Already adopted on ${outcome.adoptedAt.toISOString()}: nothing to do.` : 'This database already belongs to this service (typeorm_migrations): nothing to adopt.',
        ...(outcome.migrationsApplied.length ? [`Pending migrations applied: ${outcome.migrationsApplied.join(', ')}`] : []),
      ].join('\n');
    case 'dry-run':
      return `${formatReport(outcome.report)}\n\nDry run: nothing was changed.`;
    case 'blocked':
      return `${formatReport(outcome.report)}\n\nNot adopted: nothing was changed.`;
    case 'adopted':
      return `${formatReport(outcome.report)}\n\n${formatSummary(outcome.summary, outcome.migrationsApplied)}`;
  }
}

class BarProgress implements AdoptionProgress {
  private bar?: SingleBar;

  start(step: string, total: number): void {
    this.bar = new SingleBar({ format: `${step.padEnd(20)} {bar} {value}/{total}`, hideCursor: true }, Presets.shades_classic);
    this.bar.start(total, 0);
  }

  update(done: number): void {
    if (this.bar && done > this.bar.getTotal()) this.bar.setTotal(done);
    this.bar?.update(done);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

async function main(): Promise<number> {
  const args = parseAdoptArgs(process.argv.slice(2));
  if ('help' in args) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if ('error' in args) {
    process.stderr.write(`${args.error}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  let config;
  let cpfReader;
  try {
    config = loadAppConfig(process.env);
    cpfReader = LegacyCpfReader.fromEnv(applySeedAliases(process.env));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof FernetError) {
      process.stderr.write(`${error.message}${error instanceof FernetError ? ' (LEGACY_CPF_FERNET_KEY)' : ''}\n`);
      return EXIT.config;
    }
    throw error;
  }
  const dataSource = new DataSource(buildDataSourceOptions(config.database.url, 2));
  await dataSource.initialize();
  try {
    const service = new AdoptionService({
      dataSource,
      cpfReader,
      cipher: new CpfCipher(config.cpf.encryptionKey, config.cpf.hmacKey),
      objectStore: legacyObjectStoreFor(config),
      runMigrations: () => runMigrationsOn(config.database.url),
      progress: !args.quiet && !args.json && process.stderr.isTTY ? new BarProgress() : undefined,
    });
    const outcome = await service.run({ dryRun: args.dryRun });
    process.stdout.write(`${args.json ? JSON.stringify(outcome, null, 2) : formatOutcome(outcome)}\n`);
    return exitCodeOf(outcome);
  } finally {
    await dataSource.destroy();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = (error as Error)?.message ?? String(error);
      process.stderr.write(error instanceof PostAdoptionMigrationError ? `${message}\n` : `adopt failed, the database was left as it was: ${message}\n`);
      process.exit(EXIT.failed);
    },
  );
}
