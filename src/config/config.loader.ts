import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { Transform, Type } from 'class-transformer';
import { vapidKeyPairProblem } from '../notifications/push/push-keys';
import { WebhookEnvSchema, WebhookSettings } from '../webhook/webhook-settings';
import { AppConfig, SameSite } from './app-config';
import { IsBooleanSetting, parseBooleanSetting } from './boolean-setting';
import { Sensitive, sensitiveSettingsOf } from './sensitive-setting';

type Env = Record<string, string | undefined>;

/** Raised when the environment cannot produce a valid AppConfig; the message names every bad variable. */
export class ConfigError extends Error {}

const SECRET_MIN = 32;

/** The environment as validated: clean names only (seed aliases are folded in first). */
export class EnvSchema extends WebhookEnvSchema {
  @IsOptional() @IsIn(['development', 'production', 'test']) NODE_ENV?: string;
  @Type(() => Number) @IsInt() @Min(0) @Max(65535) PORT: number = 8000;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) PUBLIC_URL?: string;
  @IsOptional() @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) LOG_LEVEL?: string;
  @IsOptional() @IsIn(['json', 'pretty']) LOG_FORMAT?: string;

  @Sensitive() @IsString() @MinLength(1) DATABASE_URL!: string;
  @IsOptional() @IsBooleanSetting() DB_RUN_MIGRATIONS?: string;
  @Type(() => Number) @IsInt() @Min(1) DB_POOL_MAX: number = 20;
  @Type(() => Number) @IsInt() @Min(1) DB_LISTING_CONCURRENCY: number = 4;

  @Sensitive() @IsUrl({ require_tld: false, require_protocol: true }) BITRIX_INBOUND_URL!: string;
  @Sensitive() @IsString() @MinLength(8) BITRIX_APP_TOKEN!: string;
  @Type(() => Number) @Min(0.1) BITRIX_RATE_LIMIT: number = 2;
  @Type(() => Number) @IsInt() @Min(1) BITRIX_RATE_BURST: number = 50;
  @IsOptional() @IsIn(['shared', 'local']) BITRIX_RATE_SCOPE?: string;
  @Type(() => Number) @IsInt() @Min(100) BITRIX_TIMEOUT_MS: number = 15000;
  @Type(() => Number) @IsInt() @Min(0) @Max(20) BITRIX_MAX_RETRIES: number = 5;
  @Type(() => Number) @IsInt() @Min(0) BITRIX_RETRY_BUDGET_MS: number = 30000;
  @IsOptional() @IsString() BITRIX_FIELD_MAP_FILE?: string;
  @IsOptional() @IsString() BITRIX_FIELD_MAP_JSON?: string;
  @IsString() BITRIX_DISK_STORAGE_ID: string = '1';
  @IsOptional() @Transform(({ value }) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value)) @IsIn(['off', 'warn', 'strict'])
  BITRIX_PORTAL_CHECK?: string;

  @IsIn(['s3', 'local']) STORAGE_DRIVER: string = 's3';
  @IsString() @MinLength(3) S3_BUCKET: string = 'anexos-email-bitrix';
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) S3_ENDPOINT?: string;
  @IsString() S3_REGION: string = 'us-east-1';
  @IsOptional() @IsString() S3_ACCESS_KEY?: string;
  @Sensitive() @IsOptional() @IsString() S3_SECRET_KEY?: string;
  @IsOptional() @IsBooleanSetting() S3_FORCE_PATH_STYLE?: string;
  @IsString() STORAGE_LOCAL_DIR: string = './data/storage';

  @IsIn(['smtp', 'file']) MAIL_TRANSPORT: string = 'smtp';
  @Sensitive() @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['smtp', 'smtps'] }) SMTP_URL?: string;
  @IsString() MAIL_FROM: string = 'Carvalima Helpdesk <helpdesk@carvalima.com.br>';
  @IsString() MAIL_DIR: string = './data/mail';
  @IsIn(['smtp', 'bitrix']) EMAIL_DELIVERY: string = 'smtp';

  @Sensitive() @IsString() @MinLength(SECRET_MIN) JWT_SECRET!: string;
  @Sensitive() @IsString() @MinLength(SECRET_MIN) JWT_REFRESH_SECRET!: string;
  @Type(() => Number) @IsInt() @Min(30) ACCESS_TOKEN_TTL_SECONDS: number = 15 * 60;
  @Type(() => Number) @IsInt() @Min(60) REFRESH_TOKEN_TTL_SECONDS: number = 7 * 24 * 3600;
  @IsOptional() @IsBooleanSetting() COOKIE_SECURE?: string;
  @IsOptional() @IsIn(['lax', 'strict', 'none', 'Lax', 'Strict', 'None']) COOKIE_SAMESITE?: string;
  @IsOptional() @IsString() COOKIE_DOMAIN?: string;
  @Type(() => Number) @IsInt() @Min(1) LOGIN_RATE_LIMIT: number = 10;
  @Type(() => Number) @IsInt() @Min(1) LOGIN_MAX_FAILURES: number = 5;
  @Type(() => Number) @IsInt() @Min(1) WEBHOOK_RATE_LIMIT: number = 60_000;
  @Type(() => Number) @IsInt() @Min(1) SOCKET_JOIN_RATE_LIMIT: number = 120;
  @Type(() => Number) @IsInt() @Min(1) LOGIN_LOCK_MINUTES: number = 15;
  @Type(() => Number) @IsInt() @Min(4) @Max(15) BCRYPT_COST: number = 12;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) RESET_PASSWORD_URL?: string;

  /** 32 bytes, base64 or hex. */
  @Sensitive() @IsString() CPF_ENCRYPTION_KEY!: string;
  @Sensitive() @IsString() @MinLength(SECRET_MIN) CPF_HMAC_KEY!: string;

  @IsOptional() @IsString() CORS_ORIGINS?: string;
  @IsOptional() @IsBooleanSetting() CSRF_ORIGIN_CHECK?: string;

  @Type(() => Number) @IsInt() @Min(1) MAX_ATTACHMENT_BYTES: number = 10 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1) MAX_REQUEST_ATTACHMENT_BYTES: number = 25 * 1024 * 1024;
  @Type(() => Number) @IsInt() @Min(1) MAX_AVATAR_BYTES: number = 5 * 1024 * 1024;

  @Sensitive() @IsOptional() @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] }) REDIS_URL?: string;
  @Type(() => Number) @IsInt() @Min(100) SHUTDOWN_TIMEOUT_MS: number = 10_000;

  /** OpenID Connect sign-in; off while OIDC_ISSUER_URL is unset. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) OIDC_ISSUER_URL?: string;
  @IsOptional() @IsString() @MinLength(1) OIDC_CLIENT_ID?: string;
  @Sensitive() @IsOptional() @IsString() @MinLength(1) OIDC_CLIENT_SECRET?: string;
  @IsString() OIDC_SCOPES: string = 'openid profile email offline_access';
  /** How a first-time OIDC user is matched to an existing account: by e-mail or by matrícula. */
  @IsIn(['email', 'matricula', 'none']) OIDC_MATCH_BY: string = 'email';
  /** The ID token / userinfo claim holding the e-mail or the matrícula (employee id). */
  @IsString() @MinLength(1) OIDC_MATCH_CLAIM: string = 'email';
  @IsString() @MinLength(1) OIDC_GROUPS_CLAIM: string = 'groups';
  /** JSON: `{"<group id>": [{"role": "agent", "department": "TI"}]}`. */
  @IsOptional() @IsString() OIDC_GROUP_ROLES?: string;
  @Type(() => Number) @IsInt() @Min(1) OIDC_RECHECK_SECONDS: number = 300;
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) OIDC_SPA_URL?: string;
  /** `all`: every user; `no-oidc`: only users without an OIDC subject; `admins`: only admins; `off`. */
  @IsIn(['all', 'no-oidc', 'admins', 'off']) PASSWORD_LOGIN: string = 'all';

  /** Notifications (issue #19): the SPA's base URL for ticket links (default PUBLIC_URL) and the ticket page's path. */
  @IsOptional() @IsUrl({ require_tld: false, require_protocol: true }) SPA_URL?: string;
  @Matches(/^\/.*\{deal_id\}/, { message: '$property must start with / and contain {deal_id}' }) SPA_TICKET_PATH: string = '/chamados/{deal_id}';
  @IsOptional() @IsBooleanSetting() NOTIFICATIONS_WORKERS?: string;
  @Type(() => Number) @IsInt() @Min(1) @Max(100) NOTIFICATIONS_MAX_ATTEMPTS: number = 8;
  @Type(() => Number) @IsInt() @Min(1) @Max(3_600) NOTIFICATIONS_RETRY_DELAY_SECONDS: number = 5;
  @Type(() => Number) @IsInt() @Min(1) @Max(86_400) NOTIFICATIONS_RETRY_MAX_DELAY_SECONDS: number = 900;
  @Type(() => Number) @IsInt() @Min(100) @Max(120_000) NOTIFICATIONS_TIMEOUT_MS: number = 10_000;
  @Type(() => Number) @IsInt() @Min(1) @Max(100) NOTIFICATIONS_CONCURRENCY: number = 8;
  @Type(() => Number) @IsInt() @Min(20) @Max(60_000) NOTIFICATIONS_POLL_MS: number = 250;
  @Type(() => Number) @IsInt() @Min(0) @Max(60_000) NOTIFICATIONS_TEAMS_MIN_INTERVAL_MS: number = 250;
  @Type(() => Number) @IsInt() @Min(0) @Max(60_000) NOTIFICATIONS_SLACK_MIN_INTERVAL_MS: number = 1_000;
  @Type(() => Number) @IsInt() @Min(0) @Max(86_400) NOTIFICATIONS_SLA_CHECK_SECONDS: number = 60;
  @Type(() => Number) @IsInt() @Min(1) @Max(10_080) NOTIFICATIONS_SLA_WARNING_MINUTES: number = 30;
  /** Hosts (and subdomains) Teams/Slack webhook URLs may use, comma-separated; `*`: any https host. */
  @Matches(/^\s*(\*|[a-z0-9.-]+)(\s*,\s*(\*|[a-z0-9.-]+))*\s*$/i, { message: '$property must be comma-separated host names or *' })
  NOTIFICATIONS_WEBHOOK_HOSTS: string = 'hooks.slack.com,logic.azure.com,powerplatform.com,webhook.office.com';

  /** Web Push to browsers (VAPID, RFC 8292); off while the two keys are unset. */
  @IsOptional() @IsString() VAPID_PUBLIC_KEY?: string;
  @Sensitive() @IsOptional() @IsString() VAPID_PRIVATE_KEY?: string;
  /** Who runs this sender, for the push services: `mailto:` or an `https:` URL. */
  @IsOptional() @Matches(/^(mailto:[^\s@]+@[^\s@]+|https:\/\/[^\s/]+\S*)$/, { message: 'must be mailto:<address> or an https:// URL' }) VAPID_SUBJECT?: string;
  /** Hosts (and their subdomains) a subscription's endpoint may point at, comma-separated; `*`: any https host. */
  @IsString() @MinLength(1) PUSH_ENDPOINT_HOSTS: string = 'fcm.googleapis.com,push.services.mozilla.com,notify.windows.com,push.apple.com';
  /** How long a push service keeps a notice for an offline browser (RFC 8030 TTL; at most 28 days). */
  @Type(() => Number) @IsInt() @Min(0) @Max(2_419_200) PUSH_TTL_SECONDS: number = 86_400;
  @Type(() => Number) @IsInt() @Min(100) PUSH_TIMEOUT_MS: number = 10_000;
  /** Browsers a person may register; past it the one registered longest ago is dropped. */
  @Type(() => Number) @IsInt() @Min(1) @Max(100) PUSH_MAX_SUBSCRIPTIONS_PER_USER: number = 10;
}

const HOST_SUFFIX = /^(\*|[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\])$/;

/** The VAPID keys and subject when all are set, pushing a readable problem when only some are or they do not match. */
function parseVapid(parsed: EnvSchema, problems: string[]): AppConfig['push']['vapid'] {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: subject } = parsed;
  if (!publicKey && !privateKey) return undefined;
  if (!publicKey || !privateKey) {
    problems.push('VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY: set both (Web Push on) or neither (off)');
    return undefined;
  }
  const keyProblem = vapidKeyPairProblem(publicKey, privateKey);
  if (keyProblem) problems.push(keyProblem);
  if (!subject) problems.push('VAPID_SUBJECT: required when the VAPID keys are set (mailto:<address> or an https:// URL)');
  return keyProblem || !subject ? undefined : { publicKey, privateKey, subject };
}

function parseEndpointHosts(raw: string, problems: string[]): string[] {
  const hosts = raw.split(',').map((h) => h.trim().toLowerCase().replace(/^\.+/, '')).filter(Boolean);
  const bad = hosts.filter((h) => !HOST_SUFFIX.test(h));
  if (hosts.length === 0 || bad.length > 0) problems.push(`PUSH_ENDPOINT_HOSTS: comma-separated host names, or * (bad: ${JSON.stringify(bad.join(','))})`);
  return hosts;
}

const OIDC_ROLES = ['agent', 'lead', 'admin'] as const;

/** Parses OIDC_GROUP_ROLES, pushing a readable problem for any malformed entry. */
function parseGroupRoles(raw: string | undefined, problems: string[]): AppConfig['oidc']['groupRoles'] {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    problems.push('OIDC_GROUP_ROLES: must be JSON like {"<group id>": [{"role": "agent", "department": "TI"}]}');
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push('OIDC_GROUP_ROLES: must be a JSON object keyed by group id');
    return {};
  }
  const out: AppConfig['oidc']['groupRoles'] = {};
  for (const [group, grants] of Object.entries(value)) {
    const valid =
      Array.isArray(grants) &&
      grants.every(
        (g: unknown) =>
          typeof g === 'object' &&
          g !== null &&
          OIDC_ROLES.includes((g as { role?: unknown }).role as (typeof OIDC_ROLES)[number]) &&
          ((g as { department?: unknown }).department === undefined ||
            (g as { department?: unknown }).department === null ||
            typeof (g as { department?: unknown }).department === 'string'),
      );
    if (!valid) {
      problems.push(`OIDC_GROUP_ROLES: group ${JSON.stringify(group)} must map to [{"role": "agent"|"lead"|"admin", "department": "..."|null}]`);
      continue;
    }
    out[group] = (grants as { role: (typeof OIDC_ROLES)[number]; department?: string | null }[]).map((g) => ({
      role: g.role,
      department: g.department ?? null,
    }));
  }
  return out;
}

/**
 * Folds the Python system's variable names into the clean ones, so an existing `.env` still works.
 * A clean name always wins over its alias.
 */
export function applySeedAliases(env: Env): Env {
  const out: Env = { ...env };
  const alias = (clean: string, value: string | undefined) => {
    if (!out[clean] && value) out[clean] = value;
  };
  if (!out.DATABASE_URL && env.PG_BOTAPP_HOST) {
    const user = encodeURIComponent(env.PG_BOTAPP_USER ?? 'postgres');
    const pass = env.PG_BOTAPP_PASSWORD ? `:${encodeURIComponent(env.PG_BOTAPP_PASSWORD)}` : '';
    const port = env.PG_BOTAPP_PORT ?? '5432';
    const db = env.PG_CARVALIMA_HELPDESK_DBNAME ?? 'carvalima_helpdesk';
    out.DATABASE_URL = `postgres://${user}${pass}@${env.PG_BOTAPP_HOST}:${port}/${db}`;
  }
  if (env.IP_SERVIDOR_NFS && !out.S3_ENDPOINT) {
    // The seed's MinIO client used TLS with a bare host:port.
    out.S3_ENDPOINT = /^https?:\/\//.test(env.IP_SERVIDOR_NFS) ? env.IP_SERVIDOR_NFS : `https://${env.IP_SERVIDOR_NFS}`;
  }
  alias('S3_ACCESS_KEY', env.MINIO_USER);
  alias('S3_SECRET_KEY', env.MINIO_SENHA);
  if (!out.SMTP_URL && env.SMTP_HOST) {
    const auth = env.SMTP_USER
      ? `${encodeURIComponent(env.SMTP_USER)}:${encodeURIComponent(env.SMTP_PASS ?? '')}@`
      : '';
    const secure = parseBooleanSetting(env.SMTP_SECURE, false) === true || env.SMTP_PORT === '465';
    out.SMTP_URL = `${secure ? 'smtps' : 'smtp'}://${auth}${env.SMTP_HOST}:${env.SMTP_PORT ?? (secure ? '465' : '587')}`;
  }
  if (!out.SMTP_URL && env.WEBMAIL_USUARIO && env.WEBMAIL_HOST) {
    out.SMTP_URL = `smtps://${encodeURIComponent(env.WEBMAIL_USUARIO)}:${encodeURIComponent(env.WEBMAIL_SENHA ?? '')}@${env.WEBMAIL_HOST}:465`;
  }
  if (!out.MAIL_FROM && env.WEBMAIL_USUARIO) out.MAIL_FROM = env.WEBMAIL_USUARIO;
  for (const key of Object.keys(out)) if (out[key] === '') delete out[key];
  return out;
}

function decodeKey(name: string, value: string, problems: string[]): Buffer {
  const buf = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (buf.length !== 32) problems.push(`${name} must be 32 bytes, given as 64 hex digits or base64`);
  return buf;
}

/** A boolean setting already validated by @IsBooleanSetting (so never null here). */
const bool = (value: string | undefined, fallback: boolean): boolean => parseBooleanSetting(value, fallback) ?? fallback;

/** Builds the AppConfig from an environment map, or throws ConfigError naming every bad variable. */
export function loadAppConfig(rawEnv: Env): AppConfig {
  const env = applySeedAliases(rawEnv);
  const parsed = plainToInstance(EnvSchema, env, { enableImplicitConversion: false, exposeDefaultValues: true });
  const problems = validateSync(parsed, { skipMissingProperties: false }).map((e) => {
    const shown = SECRET_NAMES.has(e.property) ? '(hidden)' : JSON.stringify(e.value);
    return `${e.property}: ${Object.values(e.constraints ?? {}).join('; ')} (got ${shown})`;
  });
  const cpfKey = parsed.CPF_ENCRYPTION_KEY ? decodeKey('CPF_ENCRYPTION_KEY', parsed.CPF_ENCRYPTION_KEY, problems) : Buffer.alloc(0);
  if (parsed.STORAGE_DRIVER === 's3' && !parsed.S3_ENDPOINT && !parsed.S3_ACCESS_KEY) {
    problems.push('S3_ENDPOINT / S3_ACCESS_KEY: required when STORAGE_DRIVER=s3 (or set STORAGE_DRIVER=local)');
  }
  if (parsed.MAIL_TRANSPORT === 'smtp' && !parsed.SMTP_URL) {
    problems.push('SMTP_URL: required when MAIL_TRANSPORT=smtp (or SMTP_HOST/SMTP_PORT/SMTP_USER/SMTP_PASS)');
  }
  const groupRoles = parseGroupRoles(parsed.OIDC_GROUP_ROLES, problems);
  if (parsed.OIDC_ISSUER_URL && !parsed.OIDC_CLIENT_ID) {
    problems.push('OIDC_CLIENT_ID: required when OIDC_ISSUER_URL is set');
  }
  if (parsed.OIDC_ISSUER_URL && !parsed.OIDC_SCOPES.split(/\s+/).includes('openid')) {
    problems.push('OIDC_SCOPES: must include "openid"');
  }
  if (parsed.PASSWORD_LOGIN !== 'all' && !parsed.OIDC_ISSUER_URL) {
    problems.push('PASSWORD_LOGIN: only "all" is possible while OIDC_ISSUER_URL is unset');
  }
  const vapid = parseVapid(parsed, problems);
  const pushEndpointHosts = parseEndpointHosts(parsed.PUSH_ENDPOINT_HOSTS, problems);
  if (problems.length) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }

  const nodeEnv = (parsed.NODE_ENV ?? 'production') as AppConfig['nodeEnv'];
  const webhook = WebhookSettings.fromParsed(parsed, parsed.NODE_ENV);
  const port = parsed.PORT;
  const publicUrl = (parsed.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const localHttp = publicUrl.startsWith('http://');
  const cookieSecure = bool(parsed.COOKIE_SECURE, !localHttp);
  const cookieSameSite = (parsed.COOKIE_SAMESITE?.toLowerCase() ?? (cookieSecure ? 'none' : 'lax')) as SameSite;
  const spaUrl = (parsed.SPA_URL ?? publicUrl).replace(/\/+$/, '');

  const config = new AppConfig();
  Object.assign(config, {
    nodeEnv,
    port,
    publicUrl,
    logLevel: parsed.LOG_LEVEL ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    logFormat: (parsed.LOG_FORMAT ?? 'json') as AppConfig['logFormat'],
    database: {
      url: parsed.DATABASE_URL,
      runMigrations: bool(parsed.DB_RUN_MIGRATIONS, true),
      poolMax: parsed.DB_POOL_MAX,
      listingConcurrency: parsed.DB_LISTING_CONCURRENCY,
    },
    bitrix: {
      inboundUrl: parsed.BITRIX_INBOUND_URL.endsWith('/') ? parsed.BITRIX_INBOUND_URL : `${parsed.BITRIX_INBOUND_URL}/`,
      appToken: parsed.BITRIX_APP_TOKEN,
      rateLimit: parsed.BITRIX_RATE_LIMIT,
      rateBurst: parsed.BITRIX_RATE_BURST,
      rateScope: (parsed.BITRIX_RATE_SCOPE ?? 'shared') as AppConfig['bitrix']['rateScope'],
      timeoutMs: parsed.BITRIX_TIMEOUT_MS,
      maxRetries: parsed.BITRIX_MAX_RETRIES,
      retryBudgetMs: parsed.BITRIX_RETRY_BUDGET_MS,
      fieldMapFile: parsed.BITRIX_FIELD_MAP_FILE,
      fieldMapJson: parsed.BITRIX_FIELD_MAP_JSON,
      diskStorageId: parsed.BITRIX_DISK_STORAGE_ID,
      portalCheck: (parsed.BITRIX_PORTAL_CHECK ?? (nodeEnv === 'test' ? 'strict' : 'warn')) as AppConfig['bitrix']['portalCheck'],
    },
    storage: {
      driver: parsed.STORAGE_DRIVER as 's3' | 'local',
      bucket: parsed.S3_BUCKET,
      endpoint: parsed.S3_ENDPOINT,
      region: parsed.S3_REGION,
      accessKey: parsed.S3_ACCESS_KEY,
      secretKey: parsed.S3_SECRET_KEY,
      forcePathStyle: bool(parsed.S3_FORCE_PATH_STYLE, true),
      localDir: parsed.STORAGE_LOCAL_DIR,
    },
    mail: {
      transport: parsed.MAIL_TRANSPORT as 'smtp' | 'file',
      smtpUrl: parsed.SMTP_URL,
      from: parsed.MAIL_FROM,
      fileDir: parsed.MAIL_DIR,
      emailDelivery: parsed.EMAIL_DELIVERY as 'smtp' | 'bitrix',
    },
    auth: {
      jwtSecret: parsed.JWT_SECRET,
      jwtRefreshSecret: parsed.JWT_REFRESH_SECRET,
      accessTtlSeconds: parsed.ACCESS_TOKEN_TTL_SECONDS,
      refreshTtlSeconds: parsed.REFRESH_TOKEN_TTL_SECONDS,
      cookieSecure,
      cookieSameSite,
      cookieDomain: parsed.COOKIE_DOMAIN,
      loginRateLimit: parsed.LOGIN_RATE_LIMIT,
      loginMaxFailures: parsed.LOGIN_MAX_FAILURES,
      loginLockMinutes: parsed.LOGIN_LOCK_MINUTES,
      bcryptCost: parsed.BCRYPT_COST,
      passwordResetTtlMinutes: 60,
      resetPasswordUrl: parsed.RESET_PASSWORD_URL ?? `${publicUrl}/reset-password`,
    },
    cpf: { encryptionKey: cpfKey, hmacKey: Buffer.from(parsed.CPF_HMAC_KEY, 'utf8') },
    cors: {
      origins: (parsed.CORS_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    },
    security: { csrfOriginCheck: bool(parsed.CSRF_ORIGIN_CHECK, true) },
    limits: {
      maxAttachmentBytes: parsed.MAX_ATTACHMENT_BYTES,
      maxRequestAttachmentBytes: parsed.MAX_REQUEST_ATTACHMENT_BYTES,
      maxAvatarBytes: parsed.MAX_AVATAR_BYTES,
      // base64 inflates by 4/3; leave room for the rest of the JSON.
      bodyLimitBytes: Math.ceil((parsed.MAX_REQUEST_ATTACHMENT_BYTES * 4) / 3) + 1024 * 1024,
    },
    redisUrl: parsed.REDIS_URL,
    webhookRateLimit: parsed.WEBHOOK_RATE_LIMIT,
    socketJoinRateLimit: parsed.SOCKET_JOIN_RATE_LIMIT,
    webhook,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    spaUrl,
    notifications: {
      workers: bool(parsed.NOTIFICATIONS_WORKERS, true),
      maxAttempts: parsed.NOTIFICATIONS_MAX_ATTEMPTS,
      retryDelaySeconds: parsed.NOTIFICATIONS_RETRY_DELAY_SECONDS,
      retryMaxDelaySeconds: parsed.NOTIFICATIONS_RETRY_MAX_DELAY_SECONDS,
      timeoutMs: parsed.NOTIFICATIONS_TIMEOUT_MS,
      concurrency: parsed.NOTIFICATIONS_CONCURRENCY,
      pollMs: parsed.NOTIFICATIONS_POLL_MS,
      teamsMinIntervalMs: parsed.NOTIFICATIONS_TEAMS_MIN_INTERVAL_MS,
      slackMinIntervalMs: parsed.NOTIFICATIONS_SLACK_MIN_INTERVAL_MS,
      slaCheckSeconds: parsed.NOTIFICATIONS_SLA_CHECK_SECONDS,
      slaWarningMinutes: parsed.NOTIFICATIONS_SLA_WARNING_MINUTES,
      webhookHosts: parsed.NOTIFICATIONS_WEBHOOK_HOSTS.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean),
      ticketLink: (bitrixDealId: number) => `${spaUrl}${parsed.SPA_TICKET_PATH.replace('{deal_id}', String(bitrixDealId))}`,
    },
    oidc: {
      issuerUrl: parsed.OIDC_ISSUER_URL,
      clientId: parsed.OIDC_CLIENT_ID ?? '',
      clientSecret: parsed.OIDC_CLIENT_SECRET,
      scopes: parsed.OIDC_SCOPES.split(/\s+/).filter(Boolean),
      redirectUri: `${publicUrl}/auth/oidc/callback`,
      matchBy: parsed.OIDC_MATCH_BY as AppConfig['oidc']['matchBy'],
      matchClaim: parsed.OIDC_MATCH_CLAIM,
      groupsClaim: parsed.OIDC_GROUPS_CLAIM,
      groupRoles,
      recheckSeconds: parsed.OIDC_RECHECK_SECONDS,
      spaUrl: (parsed.OIDC_SPA_URL ?? publicUrl).replace(/\/+$/, ''),
      passwordLogin: parsed.PASSWORD_LOGIN as AppConfig['oidc']['passwordLogin'],
    },
    push: {
      vapid,
      endpointHosts: pushEndpointHosts,
      ttlSeconds: parsed.PUSH_TTL_SECONDS,
      timeoutMs: parsed.PUSH_TIMEOUT_MS,
      maxSubscriptionsPerUser: parsed.PUSH_MAX_SUBSCRIPTIONS_PER_USER,
    },
  } satisfies AppConfig);
  return config;
}

/** Variables whose values are never printed, not even in a validation error: those declared @Sensitive(). */
export const SECRET_NAMES: ReadonlySet<string> = sensitiveSettingsOf(EnvSchema);
