import { IncomingMessage, ServerResponse } from 'node:http';
import qs from 'qs';
import { BitrixError } from './errors';
import { isRecord, Params } from './params';

/** PHP-like parsing of bracket keys: deep nesting and long lists (activity FILES, batch cmd). */
export const QS_PARSE_OPTIONS: qs.IParseOptions = { depth: 20, arrayLimit: 10_000, parameterLimit: 1_000_000 };

export const MAX_BODY_BYTES = 100 * 1024 * 1024;

export class BodyTooLargeError extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) throw new BodyTooLargeError('Request body too large');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

/** Merges query-string params with a JSON or form-encoded body (body wins). */
export function parseRestParams(req: IncomingMessage, url: URL, body: Buffer): Params {
  const query = url.search.length > 1 ? (qs.parse(url.search.slice(1), QS_PARSE_OPTIONS) as Params) : {};
  if (body.length === 0) return query;
  const contentType = (req.headers['content-type'] ?? '').toLowerCase();
  const text = body.toString('utf8');
  if (contentType.includes('application/json')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BitrixError(400, 'INVALID_REQUEST', 'Invalid JSON in request body');
    }
    return { ...query, ...(isRecord(parsed) ? parsed : {}) };
  }
  if (contentType.includes('multipart/form-data')) {
    throw new BitrixError(400, 'INVALID_REQUEST', 'multipart/form-data is not supported by the emulator; use JSON or x-www-form-urlencoded');
  }
  return { ...query, ...(qs.parse(text, QS_PARSE_OPTIONS) as Params) };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

export const NGINX_404 = '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';
export const NGINX_503 = '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
