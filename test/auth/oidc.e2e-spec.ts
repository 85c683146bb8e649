import { createUser } from '../support/users';
import { Browser, TestOpenIdProvider } from '../support/oidc-provider';
import { startTestStack, TestStack } from '../support/test-stack';

/** The PUBLIC_URL the test stack runs under; the browser maps it to where the app really listens. */
const PUBLIC_URL = 'http://127.0.0.1';
const SPA_URL = 'http://localhost:5173/app';

describe('OpenID Connect sign-in (e2e, real oidc-provider, real PostgreSQL)', () => {
  let stack: TestStack;
  const op = new TestOpenIdProvider();

  beforeAll(async () => {
    await op.start(`${PUBLIC_URL}/auth/oidc/callback`);
    stack = await startTestStack({
      env: {
        OIDC_ISSUER_URL: op.issuer,
        OIDC_CLIENT_ID: op.clientId,
        OIDC_CLIENT_SECRET: op.clientSecret,
        OIDC_SCOPES: 'openid profile email groups offline_access',
        OIDC_SPA_URL: SPA_URL,
        OIDC_RECHECK_SECONDS: '2',
        OIDC_GROUP_ROLES: JSON.stringify({ 'grp-it-agents': [{ role: 'agent', department: 'TI' }], 'grp-it-leads': [{ role: 'lead', department: 'TI' }] }),
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await op.close();
  });

  const browser = () =>
    new Browser((url) => (url.origin === PUBLIC_URL ? new URL(url.pathname + url.search, stack.url) : url));
  const isCallback = (url: URL) => url.origin === PUBLIC_URL && url.pathname === '/auth/oidc/callback';

  /** Login at the app, through the provider, up to (not into) the app's callback. */
  async function toCallback(b: Browser, accountId: string): Promise<URL> {
    op.nextLogin = accountId;
    const { url, res } = await b.follow(`${stack.url}/auth/oidc/login`, isCallback);
    if (!isCallback(url)) throw new Error(`did not reach the callback: ${url.href} ${res?.status}`);
    return url;
  }

  /** Requests the callback and returns where the app sent the browser. */
  async function callback(b: Browser, url: URL): Promise<URL> {
    const res = await b.request(url.href);
    await res.arrayBuffer();
    expect(res.status).toBe(302);
    return new URL(res.headers.get('location')!);
  }

  const apiCookie = (b: Browser, name: string) => b.cookie(stack.url, name);

  async function usersMe(b: Browser): Promise<Response> {
    return b.request(`${stack.url}/auth/me`);
  }

  it('signs in a user found by e-mail, links the subject, and the cookies work on GET /auth/me', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-by-email', { claims: { email: user.email, email_verified: true, name: user.full_name } });
    const b = browser();
    const landed = await callback(b, await toCallback(b, 'sub-by-email'));
    expect(landed.href).toBe(SPA_URL);
    expect(apiCookie(b, 'access_token')).toBeTruthy();
    expect(apiCookie(b, 'refresh_token')).toBeTruthy();
    const me = await usersMe(b);
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: number }).id).toBe(user.id);
    const [row] = await stack.dataSource.query('SELECT oidc_issuer, oidc_subject FROM users WHERE id = $1', [user.id]);
    expect(row).toEqual({ oidc_issuer: op.issuer, oidc_subject: 'sub-by-email' });
    const [session] = await stack.dataSource.query(
      'SELECT oidc_checked_at, oidc_refresh_token FROM auth_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [user.id],
    );
    expect(session.oidc_checked_at).toBeInstanceOf(Date);
    expect(session.oidc_refresh_token).toMatch(/^v1\./);
  });

  it('maps the groups claim to roles at each login (stored, audited, shown in UserOut); a group removed at the provider removes its role at the next login', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-groups', { claims: { email: user.email, email_verified: true, groups: ['grp-it-agents', 'grp-it-leads', 'grp-unmapped'] } });
    const first = browser();
    await callback(first, await toCallback(first, 'sub-groups'));
    const me = (await (await usersMe(first)).json()) as { roles: { role: string; department: string | null; source: string }[] };
    expect(me.roles.map(({ role, department, source }) => ({ role, department, source }))).toEqual([
      { role: 'lead', department: 'TI', source: 'oidc' },
      { role: 'agent', department: 'TI', source: 'oidc' },
    ]);
    // The lead's report is open to this session at once: the roles are read at each request.
    expect((await first.request(`${stack.url}/reports/sla`)).status).toBe(200);

    op.accounts.set('sub-groups', { claims: { email: user.email, email_verified: true, groups: ['grp-it-agents'] } });
    const again = browser();
    await callback(again, await toCallback(again, 'sub-groups'));
    const after = (await (await usersMe(again)).json()) as { roles: { role: string }[] };
    expect(after.roles.map((r) => r.role)).toEqual(['agent']);
    expect((await again.request(`${stack.url}/reports/sla`)).status).toBe(403);
    const audit: { action: string; role: string; actor: string }[] = await stack.dataSource.query(
      'SELECT action, role, actor FROM role_grant_audit WHERE user_id = $1 ORDER BY id',
      [user.id],
    );
    expect(audit.map((a) => `${a.action} ${a.role}`)).toEqual(['grant agent', 'grant lead', 'revoke lead']);
    expect(audit.every((a) => a.actor === `oidc:${op.issuer}`)).toBe(true);
  });

  it('finds the user by the stored subject next time, even when the e-mail claim changed', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-stable', { claims: { email: user.email, email_verified: true } });
    const first = browser();
    await callback(first, await toCallback(first, 'sub-stable'));
    op.accounts.set('sub-stable', { claims: { email: 'renamed@carvalima.test', email_verified: true } });
    const again = browser();
    expect((await callback(again, await toCallback(again, 'sub-stable'))).href).toBe(SPA_URL);
    const me = await usersMe(again);
    expect(((await me.json()) as { id: number }).id).toBe(user.id);
  });

  it('refuses an unknown person with ?oidc_error=user_unknown and no session', async () => {
    op.accounts.set('sub-stranger', { claims: { email: 'nobody@carvalima.test', email_verified: true } });
    const b = browser();
    const landed = await callback(b, await toCallback(b, 'sub-stranger'));
    expect(landed.searchParams.get('oidc_error')).toBe('user_unknown');
    expect(apiCookie(b, 'access_token')).toBeUndefined();
    expect((await usersMe(b)).status).toBe(401);
  });

  it('refuses a tampered state', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-state', { claims: { email: user.email, email_verified: true } });
    const b = browser();
    const url = await toCallback(b, 'sub-state');
    url.searchParams.set('state', 'forged-state');
    expect((await callback(b, url)).searchParams.get('oidc_error')).toBe('invalid_callback');
    expect(apiCookie(b, 'access_token')).toBeUndefined();
  });

  it('refuses a replayed code, even with the flow cookie kept', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-replay', { claims: { email: user.email, email_verified: true } });
    const b = browser();
    const url = await toCallback(b, 'sub-replay');
    const flow = apiCookie(b, 'oidc_flow')!;
    expect((await callback(b, url)).href).toBe(SPA_URL);
    const attacker = browser();
    attacker.setCookie(stack.url, 'oidc_flow', flow, '/auth/oidc');
    expect((await callback(attacker, url)).searchParams.get('oidc_error')).toBe('provider_refused');
    expect(apiCookie(attacker, 'access_token')).toBeUndefined();
  });

  it('refuses a callback without the flow cookie (another browser)', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-noflow', { claims: { email: user.email, email_verified: true } });
    const b = browser();
    const url = await toCallback(b, 'sub-noflow');
    const other = browser();
    expect((await callback(other, url)).searchParams.get('oidc_error')).toBe('invalid_callback');
    expect(apiCookie(other, 'access_token')).toBeUndefined();
  });

  it.each([
    ['a wrong nonce', (c: Record<string, unknown>) => ({ ...c, nonce: 'another-nonce' })],
    ['an ID token for another audience', (c: Record<string, unknown>) => ({ ...c, aud: 'another-client' })],
    ['an expired ID token', (c: Record<string, unknown>) => ({ ...c, iat: Math.floor(Date.now() / 1000) - 7200, exp: Math.floor(Date.now() / 1000) - 3600 })],
  ])('refuses %s', async (_label, tamper) => {
    const user = await createUser(stack);
    const sub = `sub-tamper-${user.id}`;
    op.accounts.set(sub, { claims: { email: user.email, email_verified: true } });
    const b = browser();
    const url = await toCallback(b, sub);
    op.tamper = tamper;
    try {
      expect((await callback(b, url)).searchParams.get('oidc_error')).toBe('invalid_callback');
    } finally {
      op.tamper = undefined;
    }
    expect(apiCookie(b, 'access_token')).toBeUndefined();
  });

  it('accepts the same re-signed ID token when untouched (the tamper hook itself breaks nothing)', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-resigned', { claims: { email: user.email, email_verified: true } });
    const b = browser();
    const url = await toCallback(b, 'sub-resigned');
    op.tamper = (c) => c;
    try {
      expect((await callback(b, url)).href).toBe(SPA_URL);
    } finally {
      op.tamper = undefined;
    }
  });

  it('a user disabled at the provider cannot refresh past OIDC_RECHECK_SECONDS; an enabled one can', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-leaver', { claims: { email: user.email, email_verified: true } });
    const b = browser();
    await callback(b, await toCallback(b, 'sub-leaver'));
    const refresh = () => b.request(`${stack.url}/auth/refresh-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    // Past the bound with the account active: the provider vouches again, the refresh goes through.
    await new Promise((r) => setTimeout(r, 2500));
    expect((await refresh()).status).toBe(200);

    op.accounts.get('sub-leaver')!.disabled = true;
    await new Promise((r) => setTimeout(r, 2500));
    const refused = await refresh();
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { statusCode: number }).statusCode).toBe(401);
    const [session] = await stack.dataSource.query(
      'SELECT revoked_reason FROM auth_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
      [user.id],
    );
    expect(session.revoked_reason).toBe('oidc_refused');
    // The session is over: its still-unexpired access token is refused at once.
    expect((await usersMe(b)).status).toBe(401);
  });

  it('a disabled account at the provider cannot sign in', async () => {
    const user = await createUser(stack);
    op.accounts.set('sub-disabled', { claims: { email: user.email }, disabled: true });
    const b = browser();
    op.nextLogin = 'sub-disabled';
    const { url } = await b.follow(`${stack.url}/auth/oidc/login`, isCallback);
    expect((await callback(b, url)).searchParams.get('oidc_error')).toBe('provider_refused');
    expect(apiCookie(b, 'access_token')).toBeUndefined();
  });
});

describe('PASSWORD_LOGIN=no-oidc', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ env: { OIDC_ISSUER_URL: 'http://127.0.0.1:9/unused', OIDC_CLIENT_ID: 'x', PASSWORD_LOGIN: 'no-oidc' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('lets a user without an OIDC subject in by password and refuses one linked to SSO with a 403', async () => {
    const plain = await createUser(stack);
    expect(plain.accessToken).toBeTruthy();
    await stack.dataSource.query("UPDATE users SET oidc_issuer = 'http://op', oidc_subject = 's-1' WHERE id = $1", [plain.id]);
    const res = await fetch(`${stack.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matricula: plain.matricula, password: plain.password }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
    const body = (await res.json()) as { detail: string };
    expect(body.detail).toContain('SSO');
  });

  it('says nothing about SSO to a wrong password', async () => {
    const user = await createUser(stack);
    await stack.dataSource.query("UPDATE users SET oidc_issuer = 'http://op', oidc_subject = 's-2' WHERE id = $1", [user.id]);
    const res = await fetch(`${stack.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ matricula: user.matricula, password: 'SenhaErrada123' }),
    });
    expect(res.status).toBe(401);
  });

  it('sends the browser to the SPA with ?oidc_error=provider_unavailable when the provider is down', async () => {
    const res = await fetch(`${stack.url}/auth/oidc/login`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('oidc_error')).toBe('provider_unavailable');
  });
});

describe('OpenID Connect sign-in off (OIDC_ISSUER_URL unset)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it.each(['/auth/oidc/login', '/auth/oidc/callback?code=x&state=y'])('GET %s answers a 404 JSON error', async (path) => {
    const res = await fetch(`${stack.url}${path}`, { redirect: 'manual' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { statusCode: number; detail: string };
    expect(body.statusCode).toBe(404);
    expect(body.detail).toContain('SSO');
  });
});
