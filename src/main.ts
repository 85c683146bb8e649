// First: tracing must patch http, express and pg before they are loaded (a no-op unless OTLP is configured).
import './tracing';
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from './app.setup';
import { exitGracefullyOnSignals, GracefulShutdown } from './common/graceful-shutdown';
import { AppConfig } from './config/app-config';
import { ConfigError, loadAppConfig } from './config/config.loader';
import { runMigrationsOn } from './database/migrate';

/** Starts the API from env vars (deployments; `npm start` goes through scripts/start-embedded.mjs first). */
export async function bootstrap(
  env: Record<string, string | undefined> = process.env,
): Promise<{ app: NestExpressApplication; config: AppConfig; close: () => Promise<void> }> {
  let config: AppConfig;
  try {
    config = loadAppConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  if (config.database.runMigrations) await runMigrationsOn(config.database.url);
  const app = await createApp(config);
  const shutdown = new GracefulShutdown(app);
  await app.listen(config.port, process.env.HOST ?? '0.0.0.0');
  // close(): stop accepting, finish in-flight requests, then the module hooks (jobs, sockets, database).
  return { app, config, close: () => shutdown.close() };
}

if (require.main === module) {
  bootstrap()
    .then(({ config, close }) => exitGracefullyOnSignals(() => close(), config.shutdownTimeoutMs))
    .catch((error: unknown) => {
      process.stderr.write(`Fatal: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exit(1);
    });
}
