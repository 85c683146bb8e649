import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = /^[\w.-]{1,64}$/;

/**
 * The request id: the caller's `X-Request-Id` when well-formed, else a new UUID; set once on `req.id`
 * and the `X-Request-Id` response header. Called first thing (app.setup) so even errors raised before
 * the logger's middleware (body parsing) carry it, and again by pino-http, which then reuses it.
 */
export function assignRequestId(req: IncomingMessage & { id?: unknown }, res: ServerResponse): string {
  if (typeof req.id === 'string') return req.id;
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
  req.id = id;
  if (!res.headersSent) res.setHeader('X-Request-Id', id);
  return id;
}
