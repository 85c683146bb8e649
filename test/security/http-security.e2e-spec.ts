import request from 'supertest';
import { createUser } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';

describe('HTTP security (helmet, CORS, CSRF Origin check, metrics)', () => {
  let stack: TestStack;
  const spa = 'http://localhost:5173';

  beforeAll(async () => {
    stack = await startTestStack({ env: { CSRF_ORIGIN_CHECK: 'true', CORS_ORIGINS: spa } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sends security headers and a request id, without x-powered-by', async () => {
    const res = await request(stack.url).get('/health').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-request-id']).toMatch(/^[\w-]{8,}$/);
  });

  it('allows CORS with credentials for the configured origin only', async () => {
    const ok = await request(stack.url).options('/auth/me').set('Origin', spa).set('Access-Control-Request-Method', 'GET');
    expect(ok.headers['access-control-allow-origin']).toBe(spa);
    expect(ok.headers['access-control-allow-credentials']).toBe('true');
    const evil = await request(stack.url).options('/auth/me').set('Origin', 'https://evil.example').set('Access-Control-Request-Method', 'GET');
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses a cookie-authenticated POST without an allowed Origin (403) and accepts it from the SPA', async () => {
    const user = await createUser(stack);
    const cookie = user.cookies.join('; ');
    const none = await request(stack.url).post('/auth/users/me/phone').set('Cookie', cookie).send({ phone_number: '+55 11 90000-0000' });
    expect(none.status).toBe(403);
    expect(none.body.detail).toContain('CSRF');
    await request(stack.url)
      .post('/auth/users/me/phone')
      .set('Cookie', cookie)
      .set('Origin', 'https://evil.example')
      .send({ phone_number: '+55 11 90000-0000' })
      .expect(403);
    await request(stack.url)
      .post('/auth/users/me/phone')
      .set('Cookie', cookie)
      .set('Origin', spa)
      .send({ phone_number: '+55 11 90000-0000' })
      .expect(200);
    // Bearer-authenticated clients (integrators) carry no ambient credentials: no Origin needed.
    await request(stack.url)
      .post('/auth/users/me/phone')
      .set('Authorization', `Bearer ${user.accessToken}`)
      .send({ phone_number: '+55 11 90000-0001' })
      .expect(200);
  });

  it('names the allowed origins in the CSRF 403, and a non-Bearer Authorization header does not skip the check', async () => {
    const user = await createUser(stack);
    const evil = await request(stack.url)
      .post('/auth/users/me/phone')
      .set('Cookie', user.cookies.join('; '))
      .set('Origin', 'https://evil.example')
      .send({ phone_number: '+55 11 90000-0002' })
      .expect(403);
    expect(evil.body.detail).toContain('"https://evil.example"');
    expect(evil.body.detail).toContain(`Origens permitidas: ${spa}`);
    expect(evil.body.message).toBe(evil.body.detail);
    await request(stack.url)
      .post('/auth/users/me/phone')
      .set('Cookie', user.cookies.join('; '))
      .set('Authorization', 'Basic Zm9vOmJhcg==')
      .set('Origin', 'https://evil.example')
      .send({ phone_number: '+55 11 90000-0003' })
      .expect(403);
    // A same-origin page (Swagger UI at whatever address it was opened) is not a cross-site request.
    await request(stack.url).post('/auth/users/me/phone').set('Cookie', user.cookies.join('; ')).set('Origin', stack.url).send({ phone_number: '+55 11 90000-0004' }).expect(200);
    // A look-alike on another port is.
    const otherPort = new URL(stack.url);
    otherPort.port = String(Number(otherPort.port) + 1);
    await request(stack.url).post('/auth/users/me/phone').set('Cookie', user.cookies.join('; ')).set('Origin', otherPort.origin).send({ phone_number: '+55 11 90000-0005' }).expect(403);
  });

  it('authenticates by the Bearer token when a cookie of another user is sent too', async () => {
    const [alice, bob] = [await createUser(stack), await createUser(stack)];
    const me = await request(stack.url).get('/auth/me').set('Cookie', alice.cookies.join('; ')).set('Authorization', `Bearer ${bob.accessToken}`).expect(200);
    expect(me.body.email).toBe(bob.email);
    // A bad Bearer token is refused, never replaced by the cookie.
    await request(stack.url).get('/auth/me').set('Cookie', alice.cookies.join('; ')).set('Authorization', 'Bearer not-a-jwt').expect(401);
  });

  it('serves Prometheus metrics with HTTP latency by route', async () => {
    await request(stack.url).get('/health').expect(200);
    await request(stack.url).get('/auth/users/12').expect(401);
    const res = await request(stack.url).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/http_request_duration_seconds_bucket\{[^}]*route="\/auth\/users\/:user_id"/);
    expect(res.text).toContain('process_resident_memory_bytes');
    expect(res.text).toContain('# TYPE bitrix_requests_total counter');
  });

  it('exposes queue depth and connected sockets in /metrics, and the queue in /health/ready', async () => {
    const metrics = await request(stack.url).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^webhook_inbox_pending \d+$/m);
    expect(metrics.text).toContain('# TYPE webhook_queue_jobs gauge');
    expect(metrics.text).toMatch(/^socketio_connected_clients 0$/m);
    const ready = await request(stack.url).get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ database: { status: 'up' }, storage: { status: 'up' }, queue: { status: 'up', inbox_pending: 0 } });
  });

  it('answers 413 with a JSON error for an oversized body', async () => {
    const huge = JSON.stringify({ matricula: '1', password: 'x'.repeat(40 * 1024 * 1024) });
    const res = await request(stack.url).post('/auth/login').set('Content-Type', 'application/json').send(huge);
    expect(res.status).toBe(413);
    expect(res.body.statusCode).toBe(413);
  });
});

describe('Per-IP rate limits (429 with Retry-After)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ env: { LOGIN_RATE_LIMIT: '3', WEBHOOK_RATE_LIMIT: '4' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('limits login attempts per IP, independently of the webhook limit', async () => {
    const attempt = () => request(stack.url).post('/auth/login').send({ matricula: '7654321', password: 'whatever1' });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const limited = await attempt();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.body).toMatchObject({ statusCode: 429 });
    expect(limited.body.detail).toBeTruthy();
    // The webhook has its own budget: a login burst does not consume it.
    const webhook = await request(stack.url).post('/webhook-bitrix24').type('form').send('event=ONCRMDEALUPDATE');
    expect(webhook.status).not.toBe(429);
  });

  it('limits the Bitrix24 webhook per IP with a plain Retry-After header, forms and JSON from one budget', async () => {
    const form = () =>
      request(stack.url)
        .post('/webhook-bitrix24')
        .type('form')
        .send('event=ONCRMDEALUPDATE&data[FIELDS][ID]=1&auth[application_token]=wrong-token');
    const json = () => request(stack.url).post('/webhook-bitrix24').send({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: '1' } }, auth: { application_token: 'wrong-token' } });
    // The login test above spent one request of this IP's webhook budget of 4.
    const statuses: number[] = [];
    for (const post of [form, json, form, json, form]) statuses.push((await post()).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    for (const post of [form, json]) {
      const limited = await post();
      expect(limited.status).toBe(429);
      expect(limited.body).toMatchObject({ statusCode: 429 });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    }
    // Behind a trusted proxy (loopback here) the budget is the forwarded client's, on both routes.
    expect((await form().set('X-Forwarded-For', '203.0.113.7')).status).toBe(401);
    expect((await json().set('X-Forwarded-For', '203.0.113.7')).status).toBe(401);
  });

});
