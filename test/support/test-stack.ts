import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { BitrixEmulator, EmulatorOptions, startBitrixEmulator } from '../../bitrix-emulator/src';
import { createApp } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app-config';
import { loadAppConfig } from '../../src/config/config.loader';
import { Mailbox } from './mailbox';
import { S3TestServer, TEST_BUCKET, TEST_S3_KEY } from './s3-server';
import { createTestDatabase } from './test-database';

export interface TestStack {
  app: NestExpressApplication;
  /** Base URL of the listening app, e.g. http://127.0.0.1:41234 */
  url: string;
  config: AppConfig;
  env: Record<string, string>;
  dataSource: DataSource;
  databaseUrl: string;
  mailbox: Mailbox;
  s3: S3TestServer;
  /** The Bitrix24 emulator over real HTTP, when started with `bitrix`. Its events go to this app's webhook. */
  bitrix?: BitrixEmulator;
  close: () => Promise<void>;
}

export interface TestStackOptions {
  /** Extra or overriding env vars (SPEC names). */
  env?: Record<string, string>;
  /** Called after the infrastructure started and before the app is built (with the emulator, when started). */
  beforeApp?: (env: Record<string, string>, infra: { bitrix?: BitrixEmulator }) => Promise<void> | void;
  /**
   * Start the Bitrix24 emulator as the portal (BITRIX_INBOUND_URL, BITRIX_APP_TOKEN wired), with these options.
   * By default its rate limit is off (tests about the limiter turn it on) and events go to `<app>/webhook-bitrix24`.
   */
  bitrix?: Partial<EmulatorOptions> | boolean;
}

/** Test secrets: random per run, the right sizes. */
export function testSecrets(): Record<string, string> {
  return {
    JWT_SECRET: randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: randomBytes(32).toString('hex'),
    CPF_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    CPF_HMAC_KEY: randomBytes(32).toString('hex'),
  };
}

/**
 * The app as deployed, against real components: a fresh PostgreSQL database (cloned from the
 * migrated template), a real S3 server (s3rver) and a real SMTP server, listening on loopback.
 */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const db = await createTestDatabase();
  const mailbox = new Mailbox();
  const s3 = new S3TestServer();
  await Promise.all([mailbox.start(), s3.start()]);
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    PUBLIC_URL: 'http://127.0.0.1',
    DATABASE_URL: db.url,
    DB_RUN_MIGRATIONS: 'false',
    DB_POOL_MAX: '10',
    BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/not-configured/',
    BITRIX_APP_TOKEN: 'test-application-token',
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: s3.endpoint,
    S3_ACCESS_KEY: TEST_S3_KEY,
    S3_SECRET_KEY: TEST_S3_KEY,
    S3_BUCKET: TEST_BUCKET,
    MAIL_TRANSPORT: 'smtp',
    SMTP_URL: mailbox.url,
    MAIL_FROM: 'Helpdesk <helpdesk@carvalima.test>',
    BCRYPT_COST: '4',
    LOGIN_RATE_LIMIT: '1000',
    CORS_ORIGINS: 'http://localhost:5173',
    // The CSRF Origin check is on in every deployment; test/security turns it on to test it, other tests
    // send cookies without an Origin header like a non-browser client would.
    CSRF_ORIGIN_CHECK: 'false',
    ...testSecrets(),
    ...options.env,
  };
  let bitrix: BitrixEmulator | undefined;
  if (options.bitrix) {
    bitrix = await startBitrixEmulator({
      rateLimit: 0,
      applicationToken: env.BITRIX_APP_TOKEN,
      eventDelayMs: 5,
      ...(typeof options.bitrix === 'object' ? options.bitrix : {}),
    });
    env.BITRIX_INBOUND_URL = bitrix.inboundUrl;
    env.BITRIX_APP_TOKEN = bitrix.options.applicationToken;
  }
  await options.beforeApp?.(env, { bitrix });
  const config = loadAppConfig(env);
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  if (bitrix && !bitrix.options.eventHandlerUrl) bitrix.options.eventHandlerUrl = `${url}/webhook-bitrix24`;
  return {
    app,
    url,
    config,
    env,
    dataSource: app.get(DataSource),
    databaseUrl: db.url,
    mailbox,
    s3,
    bitrix,
    close: async () => {
      await app.close();
      await bitrix?.close();
      await Promise.all([mailbox.stop(), s3.stop()]);
      await db.drop();
    },
  };
}

/** A temp dir removed at the end of the process. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
