import type { NotificationSettings } from '../notifications/notification-settings';
import type { WebhookSettings } from '../webhook/webhook-settings';

/**
 * The one typed settings object of the app. Built once at boot by `loadAppConfig`
 * (see config.loader.ts) and injected by class: `constructor(private readonly config: AppConfig)`.
 */
export type SameSite = 'lax' | 'strict' | 'none';

export class AppConfig {
  nodeEnv!: 'development' | 'production' | 'test';
  port!: number;
  /** Public base URL of this API (used in links of e-mails and local-storage signed URLs). */
  publicUrl!: string;
  logLevel!: string;
  /** `json` (one JSON object a line, for log collectors) or `pretty` (readable lines, `npm start`). */
  logFormat!: 'json' | 'pretty';

  database!: {
    url: string;
    runMigrations: boolean;
    poolMax: number;
    /** Listing queries (cards, ETag validators) running at once per instance; the others wait their turn, FIFO. */
    listingConcurrency: number;
  };

  bitrix!: {
    /** `https://portal/rest/<user>/<code>/` — contains a secret, never log it. */
    inboundUrl: string;
    /** `auth[application_token]` expected on outbound event webhooks. */
    appToken: string;
    rateLimit: number;
    rateBurst: number;
    /** `shared`: one budget per portal for every instance (in PostgreSQL); `local`: this instance's own. */
    rateScope: 'shared' | 'local';
    timeoutMs: number;
    maxRetries: number;
    retryBudgetMs: number;
    /** Optional JSON file / inline JSON overriding the field mapping of this portal. */
    fieldMapFile?: string;
    fieldMapJson?: string;
    /** Bitrix Disk storage id where attachments are uploaded. */
    diskStorageId: string;
    /**
     * `BITRIX_PORTAL_CHECK`: what start-up does when the field map or Disk storage does not match the portal.
     * `strict` refuses to start, `warn` logs an error per mismatch and starts, `off` skips the check. Unset in
     * a hand-built config: `strict` under NODE_ENV=test, `warn` otherwise (a portal edit must not take production down).
     */
    portalCheck?: 'off' | 'warn' | 'strict';
  };

  storage!: {
    driver: 's3' | 'local';
    bucket: string;
    endpoint?: string;
    region: string;
    accessKey?: string;
    secretKey?: string;
    forcePathStyle: boolean;
    /** Root folder of the local-disk driver. */
    localDir: string;
  };

  mail!: {
    /** `smtp` sends through SMTP_URL; `file` writes .eml files to `fileDir` (embedded default). */
    transport: 'smtp' | 'file';
    smtpUrl?: string;
    from: string;
    fileDir: string;
    /** Who delivers ticket e-mails: this service over SMTP, or Bitrix24 itself. */
    emailDelivery: 'smtp' | 'bitrix';
  };

  auth!: {
    jwtSecret: string;
    jwtRefreshSecret: string;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
    cookieSecure: boolean;
    cookieSameSite: SameSite;
    cookieDomain?: string;
    loginRateLimit: number;
    loginMaxFailures: number;
    loginLockMinutes: number;
    bcryptCost: number;
    passwordResetTtlMinutes: number;
    /** Where the SPA's reset-password page lives; the token is appended as `?token=`. */
    resetPasswordUrl: string;
  };

  cpf!: {
    encryptionKey: Buffer;
    hmacKey: Buffer;
  };

  cors!: {
    origins: string[];
  };

  security!: {
    /** Refuse cookie-authenticated state-changing requests from origins outside CORS_ORIGINS / PUBLIC_URL. */
    csrfOriginCheck: boolean;
  };

  limits!: {
    maxAttachmentBytes: number;
    maxRequestAttachmentBytes: number;
    maxAvatarBytes: number;
    /** Max JSON body size; attachments travel base64 inside JSON, so this is above the attachment limit. */
    bodyLimitBytes: number;
  };

  redisUrl?: string;

  /** Requests per minute per IP accepted on POST /webhook-bitrix24 (Bitrix sends bursts: keep it high). */
  webhookRateLimit!: number;

  /** `join_deal` requests per minute per user over all their sockets (each one checks access in the database). */
  socketJoinRateLimit!: number;

  /** Tuning of the webhook queue, coalescing and reconciliation (WEBHOOK_* variables). */
  webhook!: WebhookSettings;

  /** Base URL of the SPA (`SPA_URL`, default PUBLIC_URL): links in notifications. */
  spaUrl!: string;

  /** The notification outbox, its channels and the SLA watch (NOTIFICATIONS_* variables). */
  notifications!: NotificationSettings;

  /** Bound on a SIGTERM shutdown before the process is forced out. */
  shutdownTimeoutMs!: number;

  /** OpenID Connect sign-in (OIDC_* variables); off while `issuerUrl` is undefined. */
  oidc!: {
    issuerUrl?: string;
    clientId: string;
    /** Never log it. */
    clientSecret?: string;
    scopes: string[];
    /** `{PUBLIC_URL}/auth/oidc/callback`, to register at the provider. */
    redirectUri: string;
    /** How a first-time OIDC user is matched to an existing account. */
    matchBy: 'email' | 'matricula' | 'none';
    /** The claim holding the e-mail or matrícula. */
    matchClaim: string;
    groupsClaim: string;
    /** Group id → role grants applied at each OIDC login. */
    groupRoles: Record<string, { role: 'agent' | 'lead' | 'admin'; department: string | null }[]>;
    /** Re-check an OIDC session with the provider at refresh once its last check is older than this. */
    recheckSeconds: number;
    /** Where the callback redirects after sign-in (errors as `?oidc_error=<code>`). */
    spaUrl: string;
    /** Who may still sign in with a password. */
    passwordLogin: 'all' | 'no-oidc' | 'admins' | 'off';
  };

  /** Web Push to browsers (VAPID_* and PUSH_* variables); off while `vapid` is undefined. */
  push!: {
    /** Never log the private key. */
    vapid?: { publicKey: string; privateKey: string; subject: string };
    /** Host names whose endpoints (they and their subdomains) subscriptions may use; `*`: any https host. */
    endpointHosts: string[];
    ttlSeconds: number;
    timeoutMs: number;
    maxSubscriptionsPerUser: number;
  };
}
