import { createECDH, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import request from 'supertest';
import { generateVAPIDKeys, sendNotification } from 'web-push';
import type { TicketNotice } from '../../src/notifications/notification-contract';
import { PushDestination, PushSubscriptionsService, WebPushSender } from '../../src/notifications/push/push.module';
import { PushServiceHarness, startPushService, BrowserSubscription } from '../support/push-service';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';

const SUBJECT = 'mailto:ti@carvalima.test';
const bearer = (user: TestUser) => ({ Authorization: `Bearer ${user.accessToken}` });

function notice(overrides: Omit<Partial<TicketNotice>, 'ticket'> & { ticket?: Partial<TicketNotice['ticket']> } = {}): TicketNotice {
  const { ticket, ...rest } = overrides;
  return {
    event: 'ticket_created',
    ticket: {
      number: 1001,
      title: 'Servidor de arquivos fora do ar',
      priority: 'Crítico',
      requester: 'Maria Santos',
      assigneeDepartment: 'TI',
      deadline: '2026-12-02T16:30:00.000Z',
      url: 'https://helpdesk.carvalima.test/chamados/1001',
      ...ticket,
    },
    ...rest,
  };
}

/** A TCP port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Web Push (VAPID, RFC 8291): subscriptions over HTTP, and the sender against a local push service', () => {
  const vapid = generateVAPIDKeys();
  let stack: TestStack;
  let pushService: PushServiceHarness;
  let alice: TestUser;
  let bob: TestUser;
  let sender: WebPushSender;
  let subscriptions: PushSubscriptionsService;

  beforeAll(async () => {
    pushService = await startPushService(vapid.publicKey);
    stack = await startTestStack({
      env: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: SUBJECT,
        // The local push service stands in for FCM / Mozilla's: its host is the one allowed.
        PUSH_ENDPOINT_HOSTS: '127.0.0.1',
        PUSH_MAX_SUBSCRIPTIONS_PER_USER: '3',
        PUSH_TIMEOUT_MS: '2000',
      },
    });
    [alice, bob] = await Promise.all([createUser(stack), createUser(stack)]);
    sender = stack.app.get(WebPushSender);
    subscriptions = stack.app.get(PushSubscriptionsService);
  });
  afterAll(async () => {
    await stack?.close();
    await pushService?.close();
  });

  const register = (user: TestUser, body: unknown) =>
    request(stack.url).post('/notifications/push-subscriptions').set(bearer(user)).set('User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0').send(body as object);
  const unregister = (user: TestUser, endpoint: unknown) =>
    request(stack.url).delete('/notifications/push-subscriptions').set(bearer(user)).send({ endpoint });
  const listOwn = async (user: TestUser) => {
    const res = await request(stack.url).get('/notifications/push-subscriptions').set(bearer(user)).expect(200);
    return res.body as { id: number; push_service: string; user_agent: string | null }[];
  };
  /** The destination the outbox would get for this browser (by the contract's listForUsers). */
  const destinationOf = async (user: TestUser, browser: BrowserSubscription): Promise<PushDestination> => {
    const found = (await subscriptions.listForUsers([user.id])).find((d) => d.endpoint === browser.endpoint);
    if (!found) throw new Error('subscription not listed');
    return found;
  };

  describe('subscriptions over HTTP', () => {
    it('gives the VAPID public key to a signed-in person, and nothing to anonymous callers', async () => {
      const res = await request(stack.url).get('/notifications/vapid-public-key').set(bearer(alice)).expect(200);
      expect(res.body).toEqual({ public_key: vapid.publicKey });
      const anonymous = await request(stack.url).get('/notifications/vapid-public-key');
      expect(anonymous.status).toBe(401);
      expect(await request(stack.url).post('/notifications/push-subscriptions').send(pushService.subscribe().toJSON()).then((r) => r.status)).toBe(401);
    });

    it('registers a browser (201), and registering it again changes nothing but its date (200, one row)', async () => {
      const browser = pushService.subscribe();
      const first = await register(alice, browser.toJSON()).expect(201);
      expect(first.body).toMatchObject({ id: expect.any(Number), push_service: '127.0.0.1', expiration_time: null, user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0' });
      expect(JSON.stringify(first.body)).not.toContain(browser.endpoint);
      const again = await register(alice, browser.toJSON()).expect(200);
      expect(again.body.id).toBe(first.body.id);
      const rows: { n: string }[] = await stack.dataSource.query('SELECT count(*)::text AS n FROM push_subscriptions WHERE endpoint = $1', [browser.endpoint]);
      expect(rows[0].n).toBe('1');
      expect((await listOwn(alice)).map((s) => s.id)).toContain(first.body.id);
      expect((await listOwn(bob)).map((s) => s.id)).not.toContain(first.body.id);
    });

    it('moves a browser to whoever registers it (a browser is one person at a time)', async () => {
      const browser = pushService.subscribe();
      const byAlice = await register(alice, browser.toJSON()).expect(201);
      const byBob = await register(bob, browser.toJSON()).expect(200);
      expect(byBob.body.id).toBe(byAlice.body.id);
      expect((await listOwn(alice)).map((s) => s.id)).not.toContain(byAlice.body.id);
      expect((await listOwn(bob)).map((s) => s.id)).toContain(byAlice.body.id);
      expect((await subscriptions.listForUsers([alice.id])).some((d) => d.endpoint === browser.endpoint)).toBe(false);
      expect((await subscriptions.listForUsers([bob.id])).filter((d) => d.endpoint === browser.endpoint)).toEqual([
        { id: byAlice.body.id, userId: bob.id, endpoint: browser.endpoint, keys: browser.keys },
      ]);
    });

    it('removes only one\'s own subscription (204 either way, so nobody learns whose an endpoint is)', async () => {
      const browser = pushService.subscribe();
      const created = await register(alice, browser.toJSON()).expect(201);
      await unregister(bob, browser.endpoint).expect(204);
      expect((await listOwn(alice)).map((s) => s.id)).toContain(created.body.id);
      await unregister(alice, browser.endpoint).expect(204);
      expect((await listOwn(alice)).map((s) => s.id)).not.toContain(created.body.id);
      await unregister(alice, browser.endpoint).expect(204);
      const missing = await unregister(alice, undefined).expect(400);
      expect(missing.body.message).toContain('endpoint');
    });

    it('keeps at most PUSH_MAX_SUBSCRIPTIONS_PER_USER browsers a person: the one registered longest ago goes', async () => {
      const carol = await createUser(stack);
      const browsers = [pushService.subscribe(), pushService.subscribe(), pushService.subscribe(), pushService.subscribe()];
      const ids: number[] = [];
      for (const browser of browsers.slice(0, 3)) ids.push((await register(carol, browser.toJSON()).expect(201)).body.id);
      // Re-registering the first makes it the newest: the second is now the oldest.
      await register(carol, browsers[0].toJSON()).expect(200);
      ids.push((await register(carol, browsers[3].toJSON()).expect(201)).body.id);
      expect((await listOwn(carol)).map((s) => s.id).sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    });

    const validKeys = () => pushService.subscribe().toJSON();
    const bytes = (n: number) => randomBytes(n).toString('base64url');
    const offCurve = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
    const compressed = (() => {
      const ecdh = createECDH('prime256v1');
      ecdh.generateKeys();
      return ecdh.getPublicKey(undefined, 'compressed').toString('base64url');
    })();
    const CASES: [string, (s: ReturnType<typeof validKeys>) => unknown, string][] = [
      ['a p256dh of 64 bytes', (s) => ({ ...s, keys: { ...s.keys, p256dh: bytes(64) } }), 'keys.p256dh'],
      ['a compressed p256dh (33 bytes)', (s) => ({ ...s, keys: { ...s.keys, p256dh: compressed } }), 'keys.p256dh'],
      ['a p256dh of 65 bytes off the curve', (s) => ({ ...s, keys: { ...s.keys, p256dh: offCurve } }), 'keys.p256dh'],
      ['a p256dh that is not base64url', (s) => ({ ...s, keys: { ...s.keys, p256dh: 'não é base64!' } }), 'keys.p256dh'],
      ['an auth of 15 bytes', (s) => ({ ...s, keys: { ...s.keys, auth: bytes(15) } }), 'keys.auth'],
      ['an auth of 17 bytes', (s) => ({ ...s, keys: { ...s.keys, auth: bytes(17) } }), 'keys.auth'],
      ['an auth that is a number', (s) => ({ ...s, keys: { ...s.keys, auth: 16 } }), 'keys.auth'],
      ['no keys', (s) => ({ endpoint: s.endpoint, expirationTime: null }), 'keys'],
      ['keys as a list', (s) => ({ ...s, keys: [s.keys] }), 'keys'],
      ['an http endpoint', (s) => ({ ...s, endpoint: s.endpoint.replace('https:', 'http:') }), 'endpoint'],
      ['an endpoint that is not a URL', (s) => ({ ...s, endpoint: 'wpush/v2/abc' }), 'endpoint'],
      ['an endpoint with credentials', (s) => ({ ...s, endpoint: s.endpoint.replace('https://', 'https://user:pw@') }), 'endpoint'],
      ['an endpoint of 3,000 characters', (s) => ({ ...s, endpoint: `${s.endpoint}/${'a'.repeat(3000)}` }), 'endpoint'],
      ['an expirationTime that is text', (s) => ({ ...s, expirationTime: '1767225600000' }), 'expirationTime'],
      ['an expirationTime beyond the Date range', (s) => ({ ...s, expirationTime: 1e300 }), 'expirationTime'],
    ];
    it.each(CASES)('refuses %s with a 400 naming the field', async (_case, body, field) => {
      const res = await register(alice, body(validKeys())).expect(400);
      expect(res.body.message).toContain(`${field}:`);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    });

    it.each<[string, (s: ReturnType<typeof validKeys>) => unknown, string]>([
      ['a push service outside PUSH_ENDPOINT_HOSTS (an internal host)', (s) => ({ ...s, endpoint: 'https://intranet.carvalima.test/wpush/v2/abc' }), 'endpoint'],
      ['an expirationTime already past', (s) => ({ ...s, expirationTime: Date.now() - 1000 }), 'expirationTime'],
    ])('refuses %s with a 400 naming the field', async (_case, body, field) => {
      const res = await register(alice, body(validKeys())).expect(400);
      expect(res.body.message).toMatch(new RegExp(`^${field}: `));
    });

    it('lists for the outbox only active people\'s subscriptions that have not expired', async () => {
      const [dave, erin] = await Promise.all([createUser(stack), createUser(stack)]);
      const daveBrowser = pushService.subscribe();
      const erinBrowser = pushService.subscribe();
      const expiring = pushService.subscribe();
      await register(dave, daveBrowser.toJSON()).expect(201);
      const inADay = Date.now() + 86_400_000;
      const registered = await register(dave, { ...expiring.toJSON(), expirationTime: inADay }).expect(201);
      expect(new Date(registered.body.expiration_time).getTime()).toBe(inADay);
      await register(erin, erinBrowser.toJSON()).expect(201);
      expect((await subscriptions.listForUsers([dave.id, erin.id, dave.id])).map((d) => d.endpoint).sort()).toEqual(
        [daveBrowser.endpoint, expiring.endpoint, erinBrowser.endpoint].sort(),
      );
      // A day later: that subscription expired; and Erin's account was deactivated.
      await stack.dataSource.query("UPDATE push_subscriptions SET expiration_time = now() - interval '1 second' WHERE id = $1", [registered.body.id]);
      await stack.dataSource.query('UPDATE users SET is_active = false WHERE id = $1', [erin.id]);
      expect((await subscriptions.listForUsers([dave.id, erin.id])).map((d) => d.endpoint)).toEqual([daveBrowser.endpoint]);
      expect(await subscriptions.listForUsers([])).toEqual([]);
      expect(await subscriptions.listForUsers([0, -1, 2 ** 31, 1.5, Number.NaN])).toEqual([]);
    });
  });

  describe('WebPushSender.send', () => {
    it('delivers the notice encrypted for the browser: the push service verifies VAPID and decrypts exactly the payload', async () => {
      const browser = pushService.subscribe();
      await register(alice, browser.toJSON()).expect(201);
      const outcome = await sender.send(await destinationOf(alice, browser), notice());
      expect(outcome).toEqual({ kind: 'delivered' });
      expect(pushService.refused).toEqual([]);
      const [push] = pushService.deliveredTo(browser);
      expect(JSON.parse(push.text)).toEqual({
        title: 'Novo chamado #1001',
        body: 'Servidor de arquivos fora do ar\nPrioridade: Crítico · Solicitante: Maria Santos · Prazo: 02/12/2026, 13:30',
        url: 'https://helpdesk.carvalima.test/chamados/1001',
        tag: 'chamado-1001-ticket_created',
        event: 'ticket_created',
        ticket_number: 1001,
        priority: 'Crítico',
        deadline: '2026-12-02T16:30:00.000Z',
      });
      expect(push.headers).toEqual({ ttl: '86400', urgency: 'high', topic: 't1001-ticket_created', contentEncoding: 'aes128gcm', contentType: 'application/octet-stream' });
      expect(push.vapid).toMatchObject({ aud: pushService.origin, sub: SUBJECT, k: vapid.publicKey });
      expect(pushService.deliveredTo(browser)).toHaveLength(1);
    });

    it('sends a comment on a Médio ticket with normal urgency, the author and the excerpt first', async () => {
      const browser = pushService.subscribe();
      await register(bob, browser.toJSON()).expect(201);
      const outcome = await sender.send(
        await destinationOf(bob, browser),
        notice({ event: 'ticket_commented', ticket: { number: 1002, priority: 'Médio', deadline: null, requester: null }, comment: { author: 'João (TI)', excerpt: 'Reiniciei o serviço, pode testar?' } }),
      );
      expect(outcome).toEqual({ kind: 'delivered' });
      const [push] = pushService.deliveredTo(browser);
      expect(JSON.parse(push.text)).toMatchObject({
        title: 'Nova mensagem no chamado #1002',
        body: 'João (TI): Reiniciei o serviço, pode testar?\nServidor de arquivos fora do ar\nPrioridade: Médio',
        tag: 'chamado-1002-ticket_commented',
      });
      expect(push.headers.urgency).toBe('normal');
    });

    it('cuts a long text so the message stays within the 4 KB push services accept', async () => {
      const browser = pushService.subscribe();
      await register(bob, browser.toJSON()).expect(201);
      const excerpt = 'Ação não concluída 😀 "aspas" \\ barra '.repeat(400);
      const outcome = await sender.send(await destinationOf(bob, browser), notice({ event: 'ticket_commented', ticket: { number: 1003 }, comment: { author: 'Ana', excerpt } }));
      expect(outcome).toEqual({ kind: 'delivered' });
      const [push] = pushService.deliveredTo(browser);
      expect(push.bodyBytes).toBeLessThanOrEqual(4096);
      const payload = JSON.parse(push.text) as { body: string; url: string };
      expect(payload.body.startsWith('Ana: Ação não concluída 😀')).toBe(true);
      expect(payload.body.endsWith('…')).toBe(true);
      expect(payload.url).toBe('https://helpdesk.carvalima.test/chamados/1001');
      expect(Buffer.byteLength(push.text)).toBeGreaterThan(3500);
    });

    it('answers gone to a 410 (the browser unsubscribed) and to a 404, and remove() then forgets the subscription', async () => {
      const unsubscribed = pushService.subscribe();
      await register(alice, unsubscribed.toJSON()).expect(201);
      const destination = await destinationOf(alice, unsubscribed);
      pushService.unsubscribe(unsubscribed);
      expect(await sender.send(destination, notice())).toEqual({ kind: 'gone', reason: 'HTTP 410' });
      const unknown = { ...destination, endpoint: `${pushService.origin}/wpush/v2/nunca-existiu` };
      expect(await sender.send(unknown, notice())).toEqual({ kind: 'gone', reason: 'HTTP 404' });
      await subscriptions.remove(destination.id);
      expect((await subscriptions.listForUsers([alice.id])).some((d) => d.id === destination.id)).toBe(false);
    });

    it('answers retry with the push service\'s Retry-After to a 429, retry to a 503, and delivers once it recovers', async () => {
      const browser = pushService.subscribe();
      await register(alice, browser.toJSON()).expect(201);
      const destination = await destinationOf(alice, browser);
      pushService.answerNext(429, 1, { 'Retry-After': '7' });
      expect(await sender.send(destination, notice())).toEqual({ kind: 'retry', reason: 'HTTP 429', retryAfterMs: 7000 });
      pushService.answerNext(503, 1);
      expect(await sender.send(destination, notice())).toEqual({ kind: 'retry', reason: 'HTTP 503' });
      expect(await sender.send(destination, notice())).toEqual({ kind: 'delivered' });
      expect(pushService.deliveredTo(browser)).toHaveLength(1);
    });

    it('answers rejected to a 400 or 413 (it would never succeed as sent)', async () => {
      const browser = pushService.subscribe();
      await register(alice, browser.toJSON()).expect(201);
      const destination = await destinationOf(alice, browser);
      pushService.answerNext(400, 1);
      expect(await sender.send(destination, notice())).toEqual({ kind: 'rejected', reason: 'HTTP 400' });
      pushService.answerNext(413, 1);
      expect(await sender.send(destination, notice())).toEqual({ kind: 'rejected', reason: 'HTTP 413' });
    });

    it('answers retry when the push service cannot be reached or does not answer in time', async () => {
      const browser = pushService.subscribe();
      const down = { id: 1, userId: alice.id, endpoint: `https://127.0.0.1:${await closedPort()}/wpush/v2/x`, keys: browser.keys };
      expect(await sender.send(down, notice())).toEqual({ kind: 'retry', reason: 'no answer: ECONNREFUSED' });
      await register(alice, browser.toJSON()).expect(201);
      pushService.hangNext(1);
      const started = Date.now();
      const outcome = await sender.send(await destinationOf(alice, browser), notice());
      expect(outcome.kind).toBe('retry');
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('is checked by a push service that really verifies: another VAPID key gets 403, keys of another browser cannot be decrypted', async () => {
      const browser = pushService.subscribe();
      const other = generateVAPIDKeys();
      await expect(
        sendNotification(browser, 'olá', { vapidDetails: { subject: SUBJECT, publicKey: other.publicKey, privateKey: other.privateKey } }),
      ).rejects.toMatchObject({ statusCode: 403 });
      expect(pushService.refused.pop()).toBe('VAPID: k is not the expected application server key');
      const stranger = pushService.subscribe();
      expect(await sender.send({ id: 1, userId: alice.id, endpoint: browser.endpoint, keys: stranger.keys }, notice())).toEqual({ kind: 'rejected', reason: 'HTTP 400' });
      expect(pushService.refused.pop()).toMatch(/^body: /);
      expect(pushService.deliveredTo(browser)).toEqual([]);
    });

    it('refuses, without a request, a destination outside PUSH_ENDPOINT_HOSTS or with broken keys', async () => {
      const browser = pushService.subscribe();
      const before = pushService.received.length;
      expect(await sender.send({ id: 1, userId: alice.id, endpoint: 'https://intranet.carvalima.test/wpush/v2/x', keys: browser.keys }, notice())).toEqual({
        kind: 'rejected',
        reason: 'push service intranet.carvalima.test not in PUSH_ENDPOINT_HOSTS',
      });
      expect(await sender.send({ id: 1, userId: alice.id, endpoint: browser.endpoint, keys: { ...browser.keys, auth: 'curto' } }, notice())).toEqual({
        kind: 'rejected',
        reason: 'keys.auth is not 16 bytes',
      });
      expect(pushService.received.length).toBe(before);
    });
  });
});

describe('Web Push off (VAPID keys unset)', () => {
  let stack: TestStack;
  let user: TestUser;

  beforeAll(async () => {
    stack = await startTestStack();
    user = await createUser(stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers 404 JSON on its routes, lists no destination and sends nothing', async () => {
    for (const res of [
      await request(stack.url).get('/notifications/vapid-public-key').set(bearer(user)),
      await request(stack.url).get('/notifications/push-subscriptions').set(bearer(user)),
      await request(stack.url)
        .post('/notifications/push-subscriptions')
        .set(bearer(user))
        .send({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc', expirationTime: null, keys: { p256dh: createECDH('prime256v1').generateKeys().toString('base64url'), auth: randomBytes(16).toString('base64url') } }),
      await request(stack.url).delete('/notifications/push-subscriptions').set(bearer(user)).send({ endpoint: 'https://fcm.googleapis.com/fcm/send/abc' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ statusCode: 404, detail: 'Notificações push desativadas neste servidor (VAPID_PUBLIC_KEY e VAPID_PRIVATE_KEY não definidos)' });
    }
    expect(await stack.app.get(PushSubscriptionsService).listForUsers([user.id])).toEqual([]);
    const sent = await stack.app.get(WebPushSender).send(
      { id: 1, userId: user.id, endpoint: 'https://fcm.googleapis.com/fcm/send/abc', keys: { p256dh: 'x', auth: 'y' } },
      notice(),
    );
    expect(sent).toEqual({ kind: 'rejected', reason: 'Web Push is off (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY unset)' });
  });
});
