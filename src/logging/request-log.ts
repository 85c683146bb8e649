import type { IncomingMessage, ServerResponse } from 'node:http';

/** What the request line reads off a request once Express and the auth guard have seen it. */
export type LoggedRequest = IncomingMessage & {
  id?: unknown;
  originalUrl?: string;
  route?: { path?: unknown };
  user?: { id?: unknown };
};

export const REQUEST_COMPLETED = 'request completed';
export const REQUEST_FAILED = 'request failed';

export interface RequestLogFields {
  method: string | undefined;
  /** The matched route pattern (`/tickets/:user_id`), for grouping; absent when nothing matched (404). */
  route?: string;
  /** The path, without the query string (it can carry signatures and tokens). */
  path: string;
  status: number;
  duration_ms: number;
  /** The authenticated user, when there is one. */
  user_id?: number;
}

/**
 * The one log line of a request: method, route, path, status, duration and user (the request id is bound by
 * the logger). Nothing repeated from the request or response headers: those say the same thing on every line.
 */
export function requestLogFields(req: LoggedRequest, res: ServerResponse, durationMs: number, route?: string): RequestLogFields {
  const matched = route ?? (typeof req.route?.path === 'string' ? req.route.path : undefined);
  const userId = typeof req.user?.id === 'number' ? req.user.id : undefined;
  return {
    method: req.method,
    ...(matched ? { route: matched } : {}),
    path: (req.originalUrl ?? req.url ?? '').split('?', 1)[0],
    status: res.statusCode,
    duration_ms: Math.round(durationMs),
    ...(userId !== undefined ? { user_id: userId } : {}),
  };
}
