import { recipientOf } from '../support/mailbox';
import { newUserBody } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';
import { AppProcess, spawnApp } from '../support/app-process';

interface LogLine {
  level?: number;
  msg?: string;
  request_id?: string;
  method?: string;
  route?: string;
  status?: number;
  duration_ms?: number;
  user_id?: number;
  [key: string]: unknown;
}

const cookiesOf = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]);
const json = (body: unknown) => ({ method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

describe('Logs of the real process: JSON lines with a request id, no secrets', () => {
  let stack: TestStack;
  let proc: AppProcess;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    // The deployment entry point as its own process, logging to stdout at debug level (stricter than production).
    proc = await spawnApp({ ...stack.env, LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await proc?.kill();
    await stack?.close();
  });

  it('logs register, login, refresh, Bearer and cookie calls and errors without password, tokens, cookies, CPF or the Bitrix URL', async () => {
    const url = proc.url;
    const user = newUserBody();
    const requestIds: string[] = [];
    const call = async (path: string, init: RequestInit = {}) => {
      const id = `redaction-${requestIds.length + 1}`;
      requestIds.push(id);
      return fetch(url + path, { ...init, headers: { ...(init.headers as Record<string, string>), 'X-Request-Id': id } });
    };

    expect((await call('/auth/users', json(user))).status).toBe(201);
    const login = await call('/auth/login', json({ matricula: user.matricula, password: user.password }));
    expect(login.status).toBe(200);
    const { token } = (await login.json()) as { token: { access_token: string; refresh_token: string } };
    const cookies = cookiesOf(login);
    expect(cookies.length).toBeGreaterThanOrEqual(2);

    expect((await call('/auth/me', { headers: { Authorization: `Bearer ${token.access_token}` } })).status).toBe(200);
    expect((await call('/auth/me', { headers: { Cookie: cookies.join('; ') } })).status).toBe(200);
    const wrong = await call('/auth/login', json({ matricula: user.matricula, password: `${user.password}-wrong`, cpf: user.cpf }));
    expect(wrong.status).toBe(401);
    // A password-reset token travels by e-mail only.
    expect((await call('/auth/forgot-password', json({ email: user.email }))).status).toBeLessThan(300);
    const mail = await stack.mailbox.waitFor((m) => recipientOf(m) === user.email);
    const resetToken = /Código: (\S+)/.exec(mail.text ?? '')?.[1];
    expect(resetToken).toBeDefined();
    const refreshed = await call('/auth/refresh-token', { method: 'POST', headers: { Cookie: cookies.join('; '), 'Content-Type': 'application/json' }, body: '{}' });
    expect(refreshed.status).toBe(200);
    const rotated = cookiesOf(refreshed);

    // Error responses carry the request id of the X-Request-Id header: given by the caller...
    const bad = await call('/auth/users/abc', { headers: { Authorization: `Bearer ${token.access_token}` } });
    expect([400, 403]).toContain(bad.status);
    expect(bad.headers.get('x-request-id')).toBe(requestIds[requestIds.length - 1]);
    expect(((await bad.json()) as { request_id: string }).request_id).toBe(requestIds[requestIds.length - 1]);
    // ...or generated, also for errors raised before the routing (body parsing).
    const unparseable = await fetch(`${url}/auth/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"password": ' });
    expect(unparseable.status).toBe(400);
    const generated = unparseable.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);
    expect(((await unparseable.json()) as { request_id: string }).request_id).toBe(generated);

    // Stop the process so every buffered line is flushed, then read everything it logged.
    proc.child.kill('SIGTERM');
    expect((await proc.exited).code).toBe(0);
    const output = proc.stdout();
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(10);

    const parsed: LogLine[] = lines.map((line) => {
      try {
        return JSON.parse(line) as LogLine;
      } catch {
        throw new Error(`log line is not JSON: ${line.slice(0, 300)}`);
      }
    });
    // One line per request we made, under the id we gave: method, route, status, duration, and the user once
    // authenticated; nothing of the request's or response's headers (they are the same on every line).
    const requestLines = parsed.filter((l) => l.msg === 'request completed' || l.msg === 'request failed');
    for (const id of requestIds) {
      const line = requestLines.filter((l) => l.request_id === id);
      expect(line).toHaveLength(1);
      expect(line[0]).toEqual(expect.objectContaining({ method: expect.any(String), status: expect.any(Number), duration_ms: expect.any(Number) }));
    }
    const me = requestLines.find((l) => l.route === '/auth/me' && l.status === 200);
    expect(me?.user_id).toEqual(expect.any(Number));
    for (const line of requestLines) {
      expect(Object.keys(line).filter((key) => ['req', 'res', 'headers'].includes(key))).toEqual([]);
      expect(JSON.stringify(line).length).toBeLessThan(400);
    }

    const cpfDigits = user.cpf.replace(/\D/g, '');
    const inbound = stack.env.BITRIX_INBOUND_URL;
    const webhookCode = inbound.replace(/\/+$/, '').split('/').pop() as string;
    const secrets: Record<string, string> = {
      password: user.password,
      'access token': token.access_token,
      'refresh token': token.refresh_token,
      'reset token': resetToken as string,
      'CPF (formatted)': user.cpf,
      'CPF (digits)': cpfDigits,
      'Bitrix inbound URL': inbound,
      'Bitrix webhook code': webhookCode,
      'Bitrix application token': stack.env.BITRIX_APP_TOKEN,
      'JWT secret': stack.env.JWT_SECRET,
      'CPF key': stack.env.CPF_ENCRYPTION_KEY,
    };
    for (const cookie of [...cookies, ...rotated]) secrets[`cookie ${cookie.split('=')[0]}`] = cookie.slice(cookie.indexOf('=') + 1);
    // JWTs: their signature part alone must not appear either.
    secrets['access token signature'] = token.access_token.split('.')[2];
    const leaks = Object.entries(secrets)
      .filter(([, value]) => value.length >= 6 && output.includes(value))
      .map(([name]) => name);
    expect(leaks).toEqual([]);
  });
});
