import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { SingleBar, Presets } from 'cli-progress';
import { ConfigError, loadAppConfig } from '../config/config.loader';
import { runMigrationsOn } from '../database/migrate';
import { ReconciliationService, ReconcileSummary } from './reconciliation.service';
import { SyncCliModule } from './sync-cli.module';

const USAGE = `Usage: npm run sync -- --since <ISO date> [--quiet]

Re-reads from Bitrix24 every deal modified since the date (crm.deal.list by DATE_MODIFY), with its
activities and timeline comments, and heals the local mirror. Settings come from env, like the app.
  --since   e.g. 2025-01-31 or 2025-01-31T08:00:00-03:00 (default: 24 hours ago)
  --quiet   no progress bar`;

export interface SyncCliArgs {
  since: Date;
  quiet: boolean;
}

export function parseSyncArgs(argv: string[], now = new Date()): SyncCliArgs | { error: string } | { help: true } {
  let since: Date = new Date(now.getTime() - 24 * 3600 * 1000);
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg === '--quiet') quiet = true;
    else if (arg === '--since' || arg.startsWith('--since=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      const parsed = value ? new Date(value) : new Date(NaN);
      if (!value || Number.isNaN(parsed.getTime())) return { error: `--since needs an ISO date (got ${JSON.stringify(value ?? '')})` };
      since = parsed;
    } else return { error: `unknown argument ${JSON.stringify(arg)}` };
  }
  return { since, quiet };
}

export function formatSummary(summary: ReconcileSummary): string {
  const line = (label: string, c: ReconcileSummary['deals']) =>
    `${label.padEnd(11)} created ${c.created}  updated ${c.updated}  unchanged ${c.unchanged}  deleted ${c.deleted}  ignored ${c.ignored}  failed ${c.failed}`;
  return [
    `Reconciliation since ${summary.since} done in ${(summary.durationMs / 1000).toFixed(1)} s`,
    line('deals', summary.deals),
    line('activities', summary.activities),
  ].join('\n');
}

async function main(): Promise<number> {
  const args = parseSyncArgs(process.argv.slice(2));
  if ('help' in args) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if ('error' in args) {
    process.stderr.write(`${args.error}\n\n${USAGE}\n`);
    return 64; // EX_USAGE
  }
  let config;
  try {
    config = loadAppConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 78; // EX_CONFIG
    }
    throw error;
  }
  if (config.database.runMigrations) await runMigrationsOn(config.database.url);
  const context = await NestFactory.createApplicationContext(SyncCliModule.register(config), { logger: ['error', 'warn'] });
  const bar = new SingleBar({ format: 'deals {bar} {value}/{total} | created {created} updated {updated} unchanged {unchanged} failed {failed}', hideCursor: true }, Presets.shades_classic);
  const showBar = !args.quiet && process.stdout.isTTY !== false;
  try {
    const summary = await context.get(ReconciliationService).run({
      since: args.since,
      onTotal: (total) => {
        if (showBar) bar.start(total, 0, { created: 0, updated: 0, unchanged: 0, failed: 0 });
      },
      onProgress: (done, s) => {
        if (showBar) bar.update(done, { created: s.deals.created, updated: s.deals.updated, unchanged: s.deals.unchanged, failed: s.deals.failed });
      },
    });
    if (showBar) bar.stop();
    process.stdout.write(`${formatSummary(summary)}\n`);
    return summary.deals.failed + summary.activities.failed > 0 ? 2 : 0;
  } finally {
    if (showBar) bar.stop();
    await context.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`sync failed: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
