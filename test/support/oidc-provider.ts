import { generateKeyPairSync, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, decodeJwt, importJWK, type JWK } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';

export interface OpAccount {
  claims: Record<string, unknown>;
  /** A disabled account is unknown to findAccount: no login, no refresh grant. */
  disabled?: boolean;
}

/** Changes the ID token of the next token responses (re-signed with the provider's own key): a misbehaving OP. */
export type IdTokenTamper = (claims: Record<string, unknown>) => Record<string, unknown>;

/**
 * A real OpenID Provider (oidc-provider, certified) on 127.0.0.1, in-process, with accounts the test controls.
 * Its login/consent pages are replaced by `/interaction/:uid`, which signs in as `nextLogin` (the person at
 * the browser) and consents to what the client asked for, as a user clicking through would.
 */
export class TestOpenIdProvider {
  readonly accounts = new Map<string, OpAccount>();
  /** Who "types their password" at the next interaction. */
  nextLogin?: string;
  tamper?: IdTokenTamper;
  issuer = '';
  readonly clientId = 'helpdesk-test';
  readonly clientSecret = randomBytes(24).toString('hex');
  private server?: http.Server;
  private provider?: Provider;
  private readonly signingJwk: JWK = {
    ...(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }) as JWK),
    kid: 'test-key-1',
    alg: 'RS256',
    use: 'sig',
  };

  async start(redirectUri: string): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const accounts = this.accounts;
    this.provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: this.clientId,
          client_secret: this.clientSecret,
          redirect_uris: [redirectUri],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
      jwks: { keys: [this.signingJwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
      claims: { openid: ['sub'], profile: ['name', 'employeeid'], email: ['email', 'email_verified'], groups: ['groups'] },
      // Claims in the ID token itself (like Entra ID's groups claim), not only at userinfo.
      conformIdTokenClaims: false,
      pkce: { required: () => true },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, RefreshToken: 3600, IdToken: 600, AuthorizationCode: 60 },
      features: { devInteractions: { enabled: false } },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      findAccount: async (_ctx: KoaContextWithOIDC, id: string) => {
        const account = accounts.get(id);
        if (!account || account.disabled) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...account.claims }) };
      },
    });
    this.provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (this.tamper && ctx.path === '/token' && body && typeof body.id_token === 'string') {
        body.id_token = await this.resign(body.id_token, this.tamper);
      }
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async resign(idToken: string, tamper: IdTokenTamper): Promise<string> {
    const key = await importJWK(this.signingJwk, 'RS256');
    return new SignJWT(tamper({ ...decodeJwt(idToken) }) as Record<string, unknown>)
      .setProtectedHeader({ alg: 'RS256', kid: this.signingJwk.kid, typ: 'JWT' })
      .sign(key);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const provider = this.provider!;
    if (!req.url?.startsWith('/interaction/')) return void provider.callback()(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const accountId = this.nextLogin;
      const account = accountId ? this.accounts.get(accountId) : undefined;
      if (details.prompt.name === 'login') {
        const result =
          accountId && account && !account.disabled
            ? { login: { accountId } }
            : { error: 'access_denied', error_description: 'account unknown or disabled' };
        return void (await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false }));
      }
      const params = details.params as { client_id: string };
      const grant = details.grantId
        ? (await provider.Grant.find(details.grantId))!
        : new provider.Grant({ accountId: details.session!.accountId, clientId: params.client_id });
      const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    } catch (error) {
      res.statusCode = 500;
      res.end(`interaction failed: ${(error as Error).message}`);
    }
  }
}

/**
 * A browser, by hand: follows redirects one hop at a time with `fetch(redirect: 'manual')`, keeping each origin's
 * cookies (name, path) like a user agent. `rewrite` maps a public URL to where the server really listens.
 */
export class Browser {
  private readonly jar = new Map<string, Map<string, { value: string; path: string }>>();

  constructor(private readonly rewrite: (url: URL) => URL = (u) => u) {}

  cookie(origin: string, name: string): string | undefined {
    return this.jar.get(origin)?.get(name)?.value;
  }

  setCookie(origin: string, name: string, value: string, path = '/'): void {
    const cookies = this.jar.get(origin) ?? new Map();
    cookies.set(name, { value, path });
    this.jar.set(origin, cookies);
  }

  /** One request; stores the cookies it sets. */
  async request(target: string, init: RequestInit = {}): Promise<Response> {
    const url = this.rewrite(new URL(target));
    const cookies = [...(this.jar.get(url.origin) ?? new Map()).entries()]
      .filter(([, c]) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`);
    const headers = new Headers(init.headers);
    if (cookies.length) headers.set('cookie', cookies.join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(url, line);
    return res;
  }

  /**
   * Follows redirects from `start`; stops before requesting a URL `stop` accepts (res undefined then), or at a
   * non-redirect answer. Returns where it stopped and every URL on the way.
   */
  async follow(start: string, stop: (url: URL) => boolean = () => false, maxHops = 15): Promise<{ res?: Response; url: URL; hops: URL[] }> {
    let url = new URL(start);
    const hops: URL[] = [url];
    for (let hop = 0; hop < maxHops; hop++) {
      if (hop > 0 && stop(url)) return { url, hops };
      const res = await this.request(url.href);
      const location = res.headers.get('location');
      await res.arrayBuffer();
      if (res.status < 300 || res.status >= 400 || !location) return { res, url, hops };
      url = new URL(location, url);
      hops.push(url);
    }
    throw new Error(`too many redirects: ${hops.map((h) => h.href).join(' -> ')}`);
  }

  private store(url: URL, line: string): void {
    const [pair, ...attributes] = line.split(';').map((p) => p.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const attr = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.split('=')[1];
    const path = attr('path') ?? '/';
    const expires = attr('expires');
    const maxAge = attr('max-age');
    const cookies = this.jar.get(url.origin) ?? new Map<string, { value: string; path: string }>();
    const expired = value === '' || maxAge === '0' || (expires !== undefined && new Date(expires).getTime() <= Date.now());
    if (expired) cookies.delete(name);
    else cookies.set(name, { value, path });
    this.jar.set(url.origin, cookies);
  }
}
