import { createECDH, createPublicKey, ECDH, randomBytes, verify } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { decrypt } from 'http_ece';
import { generateCertificate } from '../../bitrix-emulator/src/tls';

/** A browser's subscription, as a browser makes it: its own P-256 key pair and 16-byte auth secret. */
export interface BrowserSubscription {
  id: string;
  endpoint: string;
  keys: { p256dh: string; auth: string };
  /** What `PushSubscription.toJSON()` gives, i.e. what the SPA POSTs. */
  toJSON(): { endpoint: string; expirationTime: number | null; keys: { p256dh: string; auth: string } };
}

/** One request the push service received for a subscription it knows, its VAPID checked and its body decrypted. */
export interface ReceivedPush {
  subscriptionId: string;
  /** The answer it gave. */
  status: number;
  headers: { ttl?: string; urgency?: string; topic?: string; contentEncoding?: string; contentType?: string };
  /** The VAPID JWT's claims and the `k` key of the Authorization header. */
  vapid: { aud: unknown; exp: unknown; sub: unknown; k: string };
  bodyBytes: number;
  /** The decrypted payload. */
  text: string;
  at: number;
}

interface PlannedAnswer {
  status: number;
  headers: Record<string, string>;
  remaining: number;
}

/** Decoded browser side of a subscription: what decrypts its messages. */
interface BrowserKeys {
  ecdh: ECDH;
  authSecret: Buffer;
}

/**
 * A push service on 127.0.0.1 over HTTPS (as web-push speaks only HTTPS), standing in for FCM / Mozilla
 * autopush: it verifies each request's VAPID `Authorization: vapid t=<JWT>, k=<key>` (ES256 signature with `k`,
 * `aud` = the endpoint's origin, `exp` within 24 h, `sub` mailto:/https:, `k` the expected application server
 * key) and decrypts the aes128gcm body (RFC 8291) with the subscription's private key via http_ece. It answers
 * 201 as the real ones do, 404 to an unknown subscription, 403 to bad VAPID, and what it is told for the next N
 * requests (410, 429 with Retry-After, 503...).
 *
 * Its certificate is self-signed: while it runs, this process trusts it as it trusts public CAs
 * (`tls.setDefaultCACertificates`, the in-process NODE_EXTRA_CA_CERTS), restored at close.
 */
export class PushServiceHarness {
  readonly received: ReceivedPush[] = [];
  /** Requests refused for their VAPID header or body, with why. */
  readonly refused: string[] = [];
  private readonly browsers = new Map<string, BrowserKeys>();
  private readonly plan: PlannedAnswer[] = [];
  private readonly gone = new Set<string>();
  /** Requests left to keep waiting without an answer (a push service that hangs). */
  private hanging = 0;
  private readonly held: ServerResponse[] = [];
  private server?: https.Server;
  private previousCas?: string[];
  origin = '';
  /** The PEM of its self-signed certificate (for a client in another process to trust). */
  certificatePem = '';

  /** @param expectedPublicKey the VAPID public key every request must carry (the app's), when given. */
  constructor(private readonly expectedPublicKey?: string) {}

  async start(): Promise<this> {
    const cert = await generateCertificate('127.0.0.1');
    this.certificatePem = cert.certPem;
    this.server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.answer(req, res, Buffer.concat(chunks)));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.previousCas = tls.getCACertificates('default');
    tls.setDefaultCACertificates([...this.previousCas, cert.certPem]);
    return this;
  }

  async close(): Promise<void> {
    if (this.previousCas) tls.setDefaultCACertificates(this.previousCas);
    for (const res of this.held) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** A new browser subscription at this push service. */
  subscribe(): BrowserSubscription {
    const id = randomBytes(12).toString('base64url');
    const ecdh = createECDH('prime256v1');
    ecdh.generateKeys();
    const authSecret = randomBytes(16);
    this.browsers.set(id, { ecdh, authSecret });
    const endpoint = `${this.origin}/wpush/v2/${id}`;
    const keys = { p256dh: ecdh.getPublicKey().toString('base64url'), auth: authSecret.toString('base64url') };
    return { id, endpoint, keys, toJSON: () => ({ endpoint, expirationTime: null, keys }) };
  }

  /** The browser unsubscribed: its endpoint answers 410 Gone from now on. */
  unsubscribe(subscription: BrowserSubscription): void {
    this.browsers.delete(subscription.id);
    this.gone.add(subscription.id);
  }

  /** Answer the next `count` requests (for known subscriptions) with `status` and these headers. */
  answerNext(status: number, count = 1, headers: Record<string, string> = {}): void {
    this.plan.push({ status, headers, remaining: count });
  }

  /** Keep the next `count` requests open without answering (until close). */
  hangNext(count = 1): void {
    this.hanging += count;
  }

  /** The decrypted payloads delivered (2xx) to one subscription, in order. */
  deliveredTo(subscription: BrowserSubscription): ReceivedPush[] {
    return this.received.filter((r) => r.subscriptionId === subscription.id && r.status >= 200 && r.status < 300);
  }

  private answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const match = /^\/wpush\/v2\/([A-Za-z0-9_-]+)$/.exec(req.url ?? '');
    const id = match?.[1];
    if (req.method !== 'POST' || !id) return this.reply(res, 404);
    if (this.gone.has(id)) return this.reply(res, 410);
    const browser = this.browsers.get(id);
    if (!browser) return this.reply(res, 404);
    let vapid: ReceivedPush['vapid'] | string;
    try {
      vapid = this.checkVapid(req.headers.authorization);
    } catch (error) {
      vapid = `unreadable JWT: ${(error as Error).message}`;
    }
    if (typeof vapid === 'string') {
      this.refused.push(`VAPID: ${vapid}`);
      return this.reply(res, 403);
    }
    let text: string;
    try {
      if (req.headers['content-encoding'] !== 'aes128gcm') throw new Error(`Content-Encoding ${String(req.headers['content-encoding'])}`);
      text = decrypt(body, { version: 'aes128gcm', privateKey: browser.ecdh, authSecret: browser.authSecret }).toString('utf8');
    } catch (error) {
      this.refused.push(`body: ${(error as Error).message}`);
      return this.reply(res, 400);
    }
    if (this.hanging > 0) {
      this.hanging -= 1;
      this.held.push(res);
      return;
    }
    const planned = this.plan[0];
    const status = planned?.status ?? 201;
    if (planned && --planned.remaining <= 0) this.plan.shift();
    this.received.push({
      subscriptionId: id,
      status,
      headers: {
        ttl: req.headers.ttl as string | undefined,
        urgency: req.headers.urgency as string | undefined,
        topic: req.headers.topic as string | undefined,
        contentEncoding: req.headers['content-encoding'],
        contentType: req.headers['content-type'],
      },
      vapid,
      bodyBytes: body.length,
      text,
      at: Date.now(),
    });
    this.reply(res, status, planned?.headers ?? (status === 201 ? { Location: `${this.origin}/m/${randomBytes(6).toString('hex')}` } : {}));
  }

  private reply(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'Content-Type': 'text/plain', ...headers });
    res.end(status >= 400 ? `status ${status}` : '');
  }

  /** The VAPID claims when the header is right (RFC 8292 §2, §3), else why not. */
  private checkVapid(header: string | undefined): ReceivedPush['vapid'] | string {
    const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? '');
    if (!match) return `Authorization is not "vapid t=..., k=...": ${String(header)}`;
    const [, jwt, k] = match;
    if (this.expectedPublicKey && k !== this.expectedPublicKey) return 'k is not the expected application server key';
    const [encodedHeader, encodedClaims, encodedSignature] = jwt.split('.');
    if (!encodedHeader || !encodedClaims || !encodedSignature) return 'the JWT does not have three parts';
    const jwtHeader = JSON.parse(Buffer.from(encodedHeader, 'base64url').toString('utf8')) as { alg?: string };
    if (jwtHeader.alg !== 'ES256') return `alg ${String(jwtHeader.alg)}`;
    const point = Buffer.from(k, 'base64url');
    if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
    const key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') }, format: 'jwk' });
    const signed = verify('sha256', Buffer.from(`${encodedHeader}.${encodedClaims}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(encodedSignature, 'base64url'));
    if (!signed) return 'the JWT signature does not verify with k';
    const claims = JSON.parse(Buffer.from(encodedClaims, 'base64url').toString('utf8')) as { aud?: unknown; exp?: unknown; sub?: unknown };
    if (claims.aud !== this.origin) return `aud ${String(claims.aud)} is not ${this.origin}`;
    const now = Date.now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) return `exp ${String(claims.exp)} not within the next 24 h`;
    if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return `sub ${String(claims.sub)}`;
    return { aud: claims.aud, exp: claims.exp, sub: claims.sub, k };
  }
}

/** Starts a push service harness (see PushServiceHarness). */
export function startPushService(expectedPublicKey?: string): Promise<PushServiceHarness> {
  return new PushServiceHarness(expectedPublicKey).start();
}
