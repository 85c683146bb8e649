import 'reflect-metadata';
import { generateVAPIDKeys } from 'web-push';
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
      ['BITRIX_APP_TOKEN', 'BITRIX_INBOUND_URL', 'CPF_ENCRYPTION_KEY', 'CPF_HMAC_KEY', 'DATABASE_URL', 'JWT_REFRESH_SECRET', 'JWT_SECRET', 'OIDC_CLIENT_SECRET', 'REDIS_URL', 'S3_SECRET_KEY', 'SMTP_URL', 'VAPID_PRIVATE_KEY'].sort(),
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

describe('Web Push (VAPID) settings', () => {
  const keys = generateVAPIDKeys();
  const other = generateVAPIDKeys();
  const PUSH_ENV = { ...BASE_ENV, VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'mailto:ti@carvalima.com.br' };

  it('leave push off when the keys are unset, with the browsers\' push services allowed', () => {
    const config = loadAppConfig(BASE_ENV);
    expect(config.push.vapid).toBeUndefined();
    expect(config.push.endpointHosts).toEqual(['fcm.googleapis.com', 'push.services.mozilla.com', 'notify.windows.com', 'push.apple.com']);
    expect(config.push).toMatchObject({ ttlSeconds: 86_400, timeoutMs: 10_000, maxSubscriptionsPerUser: 10 });
  });

  it('turn push on with a matching key pair and a subject', () => {
    expect(loadAppConfig(PUSH_ENV).push.vapid).toEqual({ publicKey: keys.publicKey, privateKey: keys.privateKey, subject: 'mailto:ti@carvalima.com.br' });
    expect(loadAppConfig({ ...PUSH_ENV, VAPID_SUBJECT: 'https://helpdesk.carvalima.com.br' }).push.vapid?.subject).toBe('https://helpdesk.carvalima.com.br');
    expect(loadAppConfig({ ...BASE_ENV, PUSH_ENDPOINT_HOSTS: ' 127.0.0.1 , .Example.com' }).push.endpointHosts).toEqual(['127.0.0.1', 'example.com']);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    ['only the public key', { VAPID_PRIVATE_KEY: '' }, /VAPID_PUBLIC_KEY \/ VAPID_PRIVATE_KEY: set both/],
    ['only the private key', { VAPID_PUBLIC_KEY: '' }, /VAPID_PUBLIC_KEY \/ VAPID_PRIVATE_KEY: set both/],
    ['keys of two different pairs', { VAPID_PUBLIC_KEY: other.publicKey }, /VAPID_PUBLIC_KEY: is not the public key of VAPID_PRIVATE_KEY/],
    ['a public key of 64 bytes', { VAPID_PUBLIC_KEY: Buffer.alloc(64, 4).toString('base64url') }, /VAPID_PUBLIC_KEY: must be/],
    ['a public key off the curve', { VAPID_PUBLIC_KEY: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url') }, /VAPID_PUBLIC_KEY: must be/],
    ['a private key of 31 bytes', { VAPID_PRIVATE_KEY: Buffer.alloc(31, 7).toString('base64url') }, /VAPID_PRIVATE_KEY: must be/],
    ['no subject', { VAPID_SUBJECT: '' }, /VAPID_SUBJECT: required/],
    ['an http subject', { VAPID_SUBJECT: 'http://carvalima.com.br' }, /VAPID_SUBJECT: must be mailto/],
    ['a bare address as subject', { VAPID_SUBJECT: 'ti@carvalima.com.br' }, /VAPID_SUBJECT: must be mailto/],
    ['no endpoint host', { PUSH_ENDPOINT_HOSTS: ' , ' }, /PUSH_ENDPOINT_HOSTS/],
    ['a URL as endpoint host', { PUSH_ENDPOINT_HOSTS: 'https://fcm.googleapis.com' }, /PUSH_ENDPOINT_HOSTS/],
    ['a TTL over 28 days', { PUSH_TTL_SECONDS: '2419201' }, /PUSH_TTL_SECONDS/],
    ['no subscriptions per person', { PUSH_MAX_SUBSCRIPTIONS_PER_USER: '0' }, /PUSH_MAX_SUBSCRIPTIONS_PER_USER/],
  ])('refuse to start with %s, naming the variable', (_case, overrides, message) => {
    expect(() => loadAppConfig({ ...PUSH_ENV, ...overrides })).toThrow(message);
  });

  it('never print the private key', () => {
    const mismatched = () => loadAppConfig({ ...PUSH_ENV, VAPID_PUBLIC_KEY: other.publicKey });
    expect(mismatched).toThrow(ConfigError);
    expect(mismatched).not.toThrow(keys.privateKey);
    const malformed = () => loadAppConfig({ ...PUSH_ENV, VAPID_PRIVATE_KEY: 'segredo-nao-base64!' });
    expect(malformed).toThrow(/VAPID_PRIVATE_KEY: must be/);
    expect(malformed).not.toThrow(/segredo-nao-base64/);
  });
});
