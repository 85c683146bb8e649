import { createECDH, randomBytes } from 'node:crypto';
import { generateVAPIDKeys } from 'web-push';
import { NOTIFICATION_EVENTS, NotificationEvent, TicketNotice } from '../notification-contract';
import { endpointForLog, isAllowedPushHost } from './push-endpoint';
import { isAuthSecret, isP256PublicKey, vapidKeyPairProblem } from './push-keys';
import { buildPushMessage, MAX_PUSH_PAYLOAD_BYTES } from './push-message';

const notice = (event: NotificationEvent, ticket: Partial<TicketNotice['ticket']> = {}, comment?: TicketNotice['comment']): TicketNotice => ({
  event,
  ticket: {
    number: 2147483647,
    title: 'Impressora do financeiro sem toner',
    priority: 'Médio',
    requester: 'Maria Santos',
    assigneeDepartment: 'TI',
    deadline: null,
    url: 'https://helpdesk.carvalima.test/chamados/2147483647',
    ...ticket,
  },
  ...(comment ? { comment } : {}),
});

describe('buildPushMessage', () => {
  it.each<[NotificationEvent, string]>([
    ['ticket_created', 'Novo chamado #2147483647'],
    ['ticket_urgent', 'Chamado Médio aberto: #2147483647'],
    ['ticket_commented', 'Nova mensagem no chamado #2147483647'],
    ['ticket_closed', 'Chamado #2147483647 encerrado'],
    ['sla_warning', 'Prazo do chamado #2147483647 está acabando'],
    ['sla_breached', 'Prazo do chamado #2147483647 estourado'],
  ])('titles %s in Portuguese, tags it by ticket and event, and keeps the topic within 32 base64url characters', (event, title) => {
    const message = buildPushMessage(notice(event));
    expect(message.payload.title).toBe(title);
    expect(message.payload.tag).toBe(`chamado-2147483647-${event}`);
    expect(message.topic).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(message.topic).toBe(`t2147483647-${event}`);
    expect(JSON.parse(message.text)).toEqual(message.payload);
  });

  it('covers every event of the contract', () => {
    for (const event of NOTIFICATION_EVENTS) expect(buildPushMessage(notice(event)).payload.event).toBe(event);
  });

  it.each<[NotificationEvent, string | null, string]>([
    ['ticket_created', 'Crítico', 'high'],
    ['ticket_created', 'Alto', 'high'],
    ['ticket_created', 'Médio', 'normal'],
    ['ticket_created', null, 'normal'],
    ['ticket_commented', 'Alto', 'high'],
    ['ticket_urgent', 'Médio', 'high'],
    ['sla_warning', 'Baixo', 'normal'],
    ['sla_breached', 'Baixo', 'high'],
    ['ticket_closed', 'Crítico', 'normal'],
  ])('gives %s of a %s ticket urgency %s', (event, priority, urgency) => {
    expect(buildPushMessage(notice(event, { priority })).urgency).toBe(urgency);
  });

  it('says what it knows, and nothing for what the ticket lacks', () => {
    expect(buildPushMessage(notice('ticket_created', { title: null, priority: null, requester: null, deadline: null })).payload.body).toBe('(sem título)');
    expect(buildPushMessage(notice('ticket_urgent', { priority: null })).payload.title).toBe('Chamado urgente aberto: #2147483647');
    expect(buildPushMessage(notice('ticket_commented', {}, { author: null, excerpt: 'Resolvido?' })).payload.body).toBe(
      'Alguém: Resolvido?\nImpressora do financeiro sem toner\nPrioridade: Médio · Solicitante: Maria Santos',
    );
  });

  it.each([
    ['ASCII', 'a'.repeat(20_000)],
    ['accents and emoji', 'ção😀'.repeat(5_000)],
    ['characters JSON escapes', '"\\\n\u0001'.repeat(5_000)],
  ])('cuts a long body of %s to fit the push size, on a whole character, with an ellipsis', (_kind, text) => {
    const message = buildPushMessage(notice('ticket_commented', { title: text }, { author: 'Ana', excerpt: text }));
    expect(Buffer.byteLength(message.text)).toBeLessThanOrEqual(MAX_PUSH_PAYLOAD_BYTES);
    expect(Buffer.byteLength(message.text)).toBeGreaterThan(MAX_PUSH_PAYLOAD_BYTES - 16);
    expect(message.payload.body.endsWith('…')).toBe(true);
    expect(message.payload.body.startsWith(`Ana: ${text.slice(0, 100)}`)).toBe(true);
    expect(message.payload.body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(message.payload.url).toBe('https://helpdesk.carvalima.test/chamados/2147483647');
  });

  it('leaves a short message whole', () => {
    const message = buildPushMessage(notice('ticket_created'));
    expect(message.payload.body).toBe('Impressora do financeiro sem toner\nPrioridade: Médio · Solicitante: Maria Santos');
  });
});

describe('push endpoints and keys', () => {
  it('allows a push service host and its subdomains only', () => {
    const allowed = ['fcm.googleapis.com', 'notify.windows.com'];
    expect(isAllowedPushHost('fcm.googleapis.com', allowed)).toBe(true);
    expect(isAllowedPushHost('wns2-bl2p.notify.windows.com', allowed)).toBe(true);
    expect(isAllowedPushHost('FCM.googleapis.com.', allowed)).toBe(true);
    expect(isAllowedPushHost('evilfcm.googleapis.com', allowed)).toBe(false);
    expect(isAllowedPushHost('fcm.googleapis.com.evil.test', allowed)).toBe(false);
    expect(isAllowedPushHost('10.0.0.5', allowed)).toBe(false);
    expect(isAllowedPushHost('10.0.0.5', ['*'])).toBe(true);
  });

  it('logs an endpoint by its origin and the start of its path only', () => {
    const endpoint = 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bSegredoDoNavegador';
    expect(endpointForLog(endpoint)).toBe('https://fcm.googleapis.com/fcm/send/dQ…');
    expect(endpointForLog(endpoint)).not.toContain('Segredo');
  });

  it('knows the browser keys by their sizes and the curve', () => {
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    expect(isP256PublicKey(ecdh.getPublicKey().toString('base64url'))).toBe(true);
    expect(isP256PublicKey(ecdh.getPublicKey().toString('base64'))).toBe(ecdh.getPublicKey().toString('base64').match(/[+/]/) === null);
    expect(isP256PublicKey(ecdh.getPublicKey(undefined, 'compressed').toString('base64url'))).toBe(false);
    expect(isAuthSecret(randomBytes(16).toString('base64url'))).toBe(true);
    expect(isAuthSecret(`${randomBytes(16).toString('base64url')}==`)).toBe(true);
    expect(isAuthSecret(randomBytes(12).toString('base64url'))).toBe(false);
    const pair = generateVAPIDKeys();
    expect(vapidKeyPairProblem(pair.publicKey, pair.privateKey)).toBeNull();
    expect(vapidKeyPairProblem(ecdh.getPublicKey().toString('base64url'), pair.privateKey)).toMatch(/is not the public key/);
  });
});
