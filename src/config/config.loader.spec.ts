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
      ['BITRIX_APP_TOKEN', 'BITRIX_INBOUND_URL', 'CPF_ENCRYPTION_KEY', 'CPF_HMAC_KEY', 'DATABASE_URL', 'JWT_REFRESH_SECRET', 'JWT_SECRET', 'OIDC_CLIENT_SECRET', 'REDIS_URL', 'S3_SECRET_KEY', 'SMTP_URL'].sort(),
    );
  });

  it('never print their value, not even when it is invalid', () => {
    const attempt = () => loadAppConfig({ ...BASE_ENV, JWT_SECRET: 'curtinho-demais' });
    expect(attempt).toThrow(/JWT_SECRET.*\(hidden\)/);
    expect(attempt).not.toThrow(/curtinho-demais/);
  });
});

describe('OpenID Connect settings', () => {
  const OIDC_ENV = { ...BASE_ENV, OIDC_ISSUER_URL: 'https://login.microsoftonline.com/tenant-1/v2.0', OIDC_CLIENT_ID: 'client-1' };

  it('leave sign-in off, and password login for everyone, when OIDC_ISSUER_URL is unset', () => {
    const config = loadAppConfig(BASE_ENV);
    expect(config.oidc.issuerUrl).toBeUndefined();
    expect(config.oidc.passwordLogin).toBe('all');
  });

  it('derive the redirect URI from PUBLIC_URL and read the mapping settings', () => {
    const config = loadAppConfig({
      ...OIDC_ENV,
      PUBLIC_URL: 'https://api.example.com/',
      OIDC_SCOPES: 'openid  email',
      OIDC_MATCH_BY: 'matricula',
      OIDC_MATCH_CLAIM: 'employeeid',
      OIDC_GROUP_ROLES: '{"g-ti": [{"role": "agent", "department": "TI"}, {"role": "admin"}]}',
      PASSWORD_LOGIN: 'admins',
    });
    expect(config.oidc).toMatchObject({
      issuerUrl: 'https://login.microsoftonline.com/tenant-1/v2.0',
      clientId: 'client-1',
      scopes: ['openid', 'email'],
      redirectUri: 'https://api.example.com/auth/oidc/callback',
      matchBy: 'matricula',
      matchClaim: 'employeeid',
      groupRoles: { 'g-ti': [{ role: 'agent', department: 'TI' }, { role: 'admin', department: null }] },
      recheckSeconds: 300,
      spaUrl: 'https://api.example.com',
      passwordLogin: 'admins',
    });
  });

  it.each([
    [{ OIDC_CLIENT_ID: undefined }, 'OIDC_CLIENT_ID'],
    [{ OIDC_SCOPES: 'profile email' }, 'OIDC_SCOPES'],
    [{ OIDC_GROUP_ROLES: 'not json' }, 'OIDC_GROUP_ROLES'],
    [{ OIDC_GROUP_ROLES: '["g-ti"]' }, 'OIDC_GROUP_ROLES'],
    [{ OIDC_GROUP_ROLES: '{"g-ti": [{"role": "root"}]}' }, 'OIDC_GROUP_ROLES'],
    [{ OIDC_GROUP_ROLES: '{"g-ti": [{"role": "agent", "department": 7}]}' }, 'OIDC_GROUP_ROLES'],
    [{ OIDC_MATCH_BY: 'cpf' }, 'OIDC_MATCH_BY'],
    [{ OIDC_RECHECK_SECONDS: '0' }, 'OIDC_RECHECK_SECONDS'],
    [{ PASSWORD_LOGIN: 'sometimes' }, 'PASSWORD_LOGIN'],
  ])('refuse to start on %j, naming %s', (override, name) => {
    expect(() => loadAppConfig({ ...OIDC_ENV, ...override } as Record<string, string>)).toThrow(new RegExp(name));
  });

  it('refuse to turn password login off without an OpenID Provider', () => {
    expect(() => loadAppConfig({ ...BASE_ENV, PASSWORD_LOGIN: 'off' })).toThrow(/PASSWORD_LOGIN/);
  });

  it('never print the client secret', () => {
    const withSecret = () => loadAppConfig({ ...OIDC_ENV, OIDC_CLIENT_SECRET: 'segredo-do-cliente', OIDC_SCOPES: 'email' });
    expect(withSecret).toThrow(/OIDC_SCOPES/);
    expect(withSecret).not.toThrow(/segredo-do-cliente/);
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
