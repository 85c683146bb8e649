import 'reflect-metadata';
import { AppConfig } from './app-config';
import { ConfigError, SECRET_NAMES, loadAppConfig } from './config.loader';

/** The smallest environment the app starts with. */
const BASE_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  BITRIX_INBOUND_URL: 'http://127.0.0.1:8024/rest/1/token/',
  BITRIX_APP_TOKEN: 'app-token-123',
  STORAGE_DRIVER: 'local',
  MAIL_TRANSPORT: 'file',
  JWT_SECRET: 'j'.repeat(32),
  JWT_REFRESH_SECRET: 'r'.repeat(32),
  CPF_ENCRYPTION_KEY: 'a'.repeat(64),
  CPF_HMAC_KEY: 'h'.repeat(32),
  PUBLIC_URL: 'http://localhost:8000',
};

/** Every boolean setting, where AppConfig keeps it, and its default under BASE_ENV. */
const BOOLEAN_SETTINGS: [name: string, read: (c: AppConfig) => boolean, fallback: boolean][] = [
  ['COOKIE_SECURE', (c) => c.auth.cookieSecure, false],
  ['CSRF_ORIGIN_CHECK', (c) => c.security.csrfOriginCheck, true],
  ['DB_RUN_MIGRATIONS', (c) => c.database.runMigrations, true],
  ['S3_FORCE_PATH_STYLE', (c) => c.storage.forcePathStyle, true],
  ['WEBHOOK_WORKERS', (c) => c.webhook.workers, true],
];

describe('loadAppConfig boolean settings', () => {
  describe.each(BOOLEAN_SETTINGS)('%s', (name, read, fallback) => {
    it.each(['true', '1', 'yes', 'on', 'TRUE', ' 1 '])('reads %j as true', (raw) => {
      expect(read(loadAppConfig({ ...BASE_ENV, [name]: raw }))).toBe(true);
    });

    it.each(['false', '0', 'no', 'off', 'False'])('reads %j as false', (raw) => {
      expect(read(loadAppConfig({ ...BASE_ENV, [name]: raw }))).toBe(false);
    });

    it(`defaults to ${fallback} when unset`, () => {
      expect(read(loadAppConfig(BASE_ENV))).toBe(fallback);
    });

    it('refuses to start on a value that is not a boolean, naming the variable', () => {
      expect(() => loadAppConfig({ ...BASE_ENV, [name]: 'maybe' })).toThrow(ConfigError);
      expect(() => loadAppConfig({ ...BASE_ENV, [name]: 'maybe' })).toThrow(name);
    });
  });

  it('COOKIE_SECURE=1 makes cookies Secure with SameSite=None on plain http', () => {
    const config = loadAppConfig({ ...BASE_ENV, COOKIE_SECURE: '1' });
    expect(config.auth.cookieSecure).toBe(true);
    expect(config.auth.cookieSameSite).toBe('none');
  });

  it('SMTP_SECURE=1 (seed-style SMTP_HOST settings) selects smtps', () => {
    const config = loadAppConfig({ ...BASE_ENV, MAIL_TRANSPORT: 'smtp', SMTP_HOST: 'mail.example.com', SMTP_PORT: '2465', SMTP_SECURE: '1' });
    expect(config.mail.smtpUrl).toBe('smtps://mail.example.com:2465');
  });
});

describe('sensitive settings', () => {
  it('are the ones declared @Sensitive() in the schema', () => {
    expect([...SECRET_NAMES].sort()).toEqual(
      ['BITRIX_APP_TOKEN', 'BITRIX_INBOUND_URL', 'CPF_ENCRYPTION_KEY', 'CPF_HMAC_KEY', 'DATABASE_URL', 'JWT_REFRESH_SECRET', 'JWT_SECRET', 'REDIS_URL', 'S3_SECRET_KEY', 'SMTP_URL'].sort(),
    );
  });

  it('never print their value, not even when it is invalid', () => {
    const attempt = () => loadAppConfig({ ...BASE_ENV, JWT_SECRET: 'curtinho-demais' });
    expect(attempt).toThrow(/JWT_SECRET.*\(hidden\)/);
    expect(attempt).not.toThrow(/curtinho-demais/);
  });
});

describe('loadAppConfig BITRIX_PORTAL_CHECK', () => {
  it('defaults by NODE_ENV: strict under test, warn otherwise', () => {
    expect(loadAppConfig({ ...BASE_ENV, NODE_ENV: 'test' }).bitrix.portalCheck).toBe('strict');
    expect(loadAppConfig(BASE_ENV).bitrix.portalCheck).toBe('warn');
    expect(loadAppConfig({ ...BASE_ENV, BITRIX_PORTAL_CHECK: ' ' }).bitrix.portalCheck).toBe('warn');
  });

  it.each([['off', 'off'], [' OFF ', 'off'], ['Strict', 'strict'], ['warn', 'warn']])('reads %j as %s', (raw, mode) => {
    expect(loadAppConfig({ ...BASE_ENV, BITRIX_PORTAL_CHECK: raw }).bitrix.portalCheck).toBe(mode);
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => loadAppConfig({ ...BASE_ENV, BITRIX_PORTAL_CHECK: 'yes' })).toThrow(/BITRIX_PORTAL_CHECK: .*off, warn, strict/);
  });
});
