import { applyDecorators, ExecutionContext, HttpException, HttpStatus, Injectable, UseGuards } from '@nestjs/common';
import { SkipThrottle, ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';

/** Per-IP limits (requests per minute): `auth` for the unauthenticated /auth routes, `webhook` for Bitrix events. */
export const RATE_LIMITS = ['auth', 'webhook'] as const;
type RateLimitName = (typeof RATE_LIMITS)[number];

/** 429 with a standard `Retry-After` (the global filter writes the header from `retryAfterSeconds`). */
export class TooManyRequestsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    detail = 'Muitas requisições. Tente novamente mais tarde.',
  ) {
    super({ message: detail, detail }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** ThrottlerGuard answering in the API's error shape with a plain `Retry-After` for every named limit. */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyRequestsException(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}

function only(name: RateLimitName): MethodDecorator & ClassDecorator {
  const skipped = Object.fromEntries(RATE_LIMITS.filter((other) => other !== name).map((other) => [other, true]));
  return applyDecorators(UseGuards(RateLimitGuard), SkipThrottle(skipped));
}

/** LOGIN_RATE_LIMIT requests per minute per IP (login, sign-up, password reset, availability checks). */
export const AuthRateLimit = () => only('auth');
/** WEBHOOK_RATE_LIMIT requests per minute per IP on the Bitrix24 event endpoint. */
export const WebhookRateLimit = () => only('webhook');
