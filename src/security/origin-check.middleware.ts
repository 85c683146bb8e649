import { ForbiddenException, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ACCESS_COOKIE, REFRESH_COOKIE } from '../auth/auth-user';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** The scheme the JWT strategy reads first: such a request is authenticated by its header, not by cookies. */
const BEARER = /^Bearer\s+\S/i;

function originOf(value: string | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

/**
 * CSRF defence for cookie sessions: a state-changing request that carries our auth cookies must come
 * from an allowed Origin (CORS_ORIGINS or this API's own PUBLIC_URL), or from the origin it was sent to
 * (a same-origin page such as Swagger UI, however it was reached: localhost, 127.0.0.1, another port). Requests
 * authenticated by `Authorization: Bearer` or by nothing (login, webhooks) are not affected.
 */
@Injectable()
export class OriginCheckMiddleware implements NestMiddleware {
  private readonly allowed: Set<string>;

  constructor(private readonly config: AppConfig) {
    this.allowed = new Set([...config.cors.origins, originOf(config.publicUrl)].filter((o): o is string => !!o));
  }

  use(req: Request, _res: Response, next: NextFunction): void {
    if (!this.config.security.csrfOriginCheck || SAFE_METHODS.has(req.method)) return next();
    const cookies = (req.cookies ?? {}) as Record<string, unknown>;
    const usesCookieSession = ACCESS_COOKIE in cookies || REFRESH_COOKIE in cookies;
    if (!usesCookieSession || BEARER.test(req.get('authorization') ?? '')) return next();
    const origin = originOf(req.get('origin')) ?? originOf(req.get('referer'));
    if (origin && (this.allowed.has(origin) || origin === originOf(`${req.protocol}://${req.get('host') ?? ''}`))) return next();
    const allowed = [...this.allowed].join(', ') || '(nenhuma configurada: defina CORS_ORIGINS ou PUBLIC_URL)';
    const detail =
      `Origem da requisição ${origin ? `"${origin}" ` : '(sem cabeçalho Origin) '}não permitida (proteção CSRF de sessões por cookie). ` +
      `Origens permitidas: ${allowed}. Use uma delas, ou autentique com Authorization: Bearer.`;
    next(new ForbiddenException({ message: detail, detail }));
  }
}
