import type { CookieOptions, Response } from 'express';
import { AppConfig } from '../config/app-config';
import { ACCESS_COOKIE, REFRESH_COOKIE } from './auth-user';
import type { IssuedTokens } from './auth.service';

/** The refresh cookie only travels to /auth, where it is used. */
const REFRESH_PATH = '/auth';

function baseOptions(config: AppConfig): CookieOptions {
  return {
    httpOnly: true,
    secure: config.auth.cookieSecure,
    sameSite: config.auth.cookieSameSite,
    domain: config.auth.cookieDomain,
  };
}

export function setAuthCookies(res: Response, tokens: IssuedTokens, config: AppConfig): void {
  const base = baseOptions(config);
  res.cookie(ACCESS_COOKIE, tokens.accessToken, { ...base, path: '/', maxAge: config.auth.accessTtlSeconds * 1000 });
  res.cookie(REFRESH_COOKIE, tokens.refreshToken, { ...base, path: REFRESH_PATH, maxAge: config.auth.refreshTtlSeconds * 1000 });
}

export function clearAuthCookies(res: Response, config: AppConfig): void {
  const base = baseOptions(config);
  res.clearCookie(ACCESS_COOKIE, { ...base, path: '/' });
  res.clearCookie(REFRESH_COOKIE, { ...base, path: REFRESH_PATH });
}
