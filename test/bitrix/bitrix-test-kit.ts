import { LoggerService } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { startBitrixEmulator, BitrixEmulator, EmulatorOptions } from '../../bitrix-emulator/src';
import { BitrixModule } from '../../src/bitrix/bitrix.module';
import { AppConfig } from '../../src/config/app-config';
import { AppConfigModule } from '../../src/config/config.module';

export type BitrixSettings = AppConfig['bitrix'];

/**
 * An AppConfig with only the Bitrix section filled (the only one BitrixModule reads), and the database URL
 * when given (the shared rate budget lives there; without it each client has its own bucket).
 */
export function bitrixConfig(overrides: Partial<BitrixSettings> & { inboundUrl: string }, databaseUrl?: string): AppConfig {
  const config = new AppConfig();
  if (databaseUrl) config.database = { url: databaseUrl, runMigrations: false, poolMax: 2, listingConcurrency: 4 };
  // As under `npm test`: the start-up portal check (BitrixPortalCheck) is strict and awaited by init().
  config.nodeEnv = 'test';
  config.bitrix = {
    appToken: 'test-app-token-0123456789',
    rateLimit: 1000,
    rateBurst: 1000,
    rateScope: databaseUrl ? 'shared' : 'local',
    timeoutMs: 2000,
    maxRetries: 3,
    retryBudgetMs: 3000,
    diskStorageId: '1',
    ...overrides,
  };
  return config;
}

export async function startEmulator(options: Partial<EmulatorOptions> = {}): Promise<BitrixEmulator> {
  // No limit by default: functional tests should not wait for the bucket; limiter tests set their own.
  return startBitrixEmulator({ rateLimit: 0, webhookCode: 'c0ffee5ecret2024', ...options });
}

/** A Nest module graph like the app's: AppConfig provided globally, BitrixModule imported. */
export async function bitrixTestingModule(config: AppConfig, logger?: LoggerService): Promise<TestingModule> {
  const builder = Test.createTestingModule({ imports: [AppConfigModule.forRoot(config), BitrixModule] });
  // Without a logger, Nest's TestingLogger (errors only) replaces the app's.
  if (logger) builder.setLogger(logger);
  const moduleRef = await builder.compile();
  await moduleRef.init();
  return moduleRef;
}

/** Captures every log line (all levels) so tests can assert the webhook secret never shows up. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  private push(level: string, message: unknown, rest: unknown[]): void {
    this.lines.push(`${level} ${stringify(message)} ${rest.map(stringify).join(' ')}`);
  }

  log(message: unknown, ...rest: unknown[]): void {
    this.push('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.push('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.push('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.push('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.push('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.push('fatal', message, rest);
  }
}

function stringify(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message} ${value.stack ?? ''}`;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Runs `fn` and returns what it threw (fails if it did not throw). */
export async function caught(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
