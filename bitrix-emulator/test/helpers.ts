import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import qs from 'qs';
import { BitrixEmulator } from '../src';

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
  json: Record<string, unknown>;
}

async function toAnswer(response: Response): Promise<HttpAnswer> {
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    // non-JSON answers (html503) are checked through `text`
  }
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text, json };
}

/** POST JSON to `${inboundUrl}${method}.json`. */
export async function callJson(emulator: BitrixEmulator, method: string, params: unknown = {}): Promise<HttpAnswer> {
  const response = await fetch(`${emulator.inboundUrl}${method}.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(params),
  });
  return toAnswer(response);
}

/** POST x-www-form-urlencoded with PHP-style bracket keys. */
export async function callForm(emulator: BitrixEmulator, method: string, params: Record<string, unknown>): Promise<HttpAnswer> {
  const response = await fetch(`${emulator.inboundUrl}${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: qs.stringify(params),
  });
  return toAnswer(response);
}

export async function callGet(emulator: BitrixEmulator, method: string, params: Record<string, unknown>): Promise<HttpAnswer> {
  return toAnswer(await fetch(`${emulator.inboundUrl}${method}?${qs.stringify(params)}`));
}

export async function admin(emulator: BitrixEmulator, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const response = await fetch(`${emulator.url}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return toAnswer(response);
}

/** `result` of a successful answer (fails the test with the body otherwise). */
export function resultOf<T = unknown>(answer: HttpAnswer): T {
  if (answer.status !== 200) throw new Error(`expected 200, got ${answer.status}: ${answer.text}`);
  return answer.json.result as T;
}

export interface ReceivedEvent {
  raw: string;
  contentType: string;
  body: Record<string, unknown>;
}

/** A real local HTTP handler that records Bitrix event POSTs. */
export class EventReceiver {
  readonly received: ReceivedEvent[] = [];
  status = 200;
  private server: Server | null = null;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.received.push({ raw, contentType: req.headers['content-type'] ?? '', body: qs.parse(raw) as Record<string, unknown> });
        res.writeHead(this.status).end('OK');
        this.waiters = this.waiters.filter((w) => {
          if (this.received.length >= w.count) w.resolve();
          return this.received.length < w.count;
        });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhook-bitrix24`;
  }

  waitFor(count: number, timeoutMs = 3000): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${count} events, got ${this.received.length}`)), timeoutMs);
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** `data[FIELDS][ID]` or `data[ID]` of each received event, in arrival order. */
  ids(): string[] {
    return this.received.map((e) => {
      const data = e.body.data as Record<string, unknown>;
      const fields = data.FIELDS as Record<string, unknown> | undefined;
      return String(fields ? fields.ID : data.ID);
    });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
