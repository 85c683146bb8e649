import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  UseGuards,
} from '@nestjs/common';
import { ApiTooManyRequestsResponse } from '@nestjs/swagger';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { ThrottlerLimitDetail } from '@nestjs/throttler/dist/throttler.guard.interface';
import type { Request } from 'express';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { AppConfig } from '../config/app-config';

/** Every limit counts requests per IP over one minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** 429 with a standard `Retry-After` (the global filter writes the header from `retryAfterSeconds`). */
export class TooManyRequestsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    detail = 'Muitas requisições. Tente novamente mais tarde.',
  ) {
    super({ message: detail, detail }, HttpStatus.TOO_MANY_REQUESTS);
  }
}

/** ThrottlerGuard (the `auth` throttler) answering in the API's error shape with a plain `Retry-After`. */
@Injectable()
export class AuthRateLimitGuard extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    throw new TooManyRequestsException(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}

/** LOGIN_RATE_LIMIT requests per minute per IP (login, sign-up, password reset, availability checks). */
export const AuthRateLimit = () =>
  applyDecorators(UseGuards(AuthRateLimitGuard), ApiTooManyRequestsResponse({ description: 'Mais de LOGIN_RATE_LIMIT requisições por minuto deste IP (veja Retry-After)' }));

/**
 * WEBHOOK_RATE_LIMIT requests per minute per IP on `POST /webhook-bitrix24`, one budget whichever route
 * took the event (WebhookIntakeRoute for forms, the controller for JSON). A fixed-window counter: Bitrix
 * posts from a few addresses at hundreds of events a second, and the throttler's store keeps (and scans)
 * one timestamp per request, which at the default 60,000 a minute cost more than the event's own work.
 */
@Injectable()
export class WebhookRateLimiter {
  private readonly limiter: RateLimiterMemory;

  constructor(config: AppConfig) {
    this.limiter = new RateLimiterMemory({ keyPrefix: 'webhook', points: config.webhookRateLimit, duration: RATE_LIMIT_WINDOW_MS / 1000 });
  }

  /** Counts one request from `ip`; throws 429 with the seconds until the window resets once the budget is spent. */
  async take(ip: string): Promise<void> {
    try {
      await this.limiter.consume(ip);
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      throw new TooManyRequestsException(Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)));
    }
  }
}

@Injectable()
export class WebhookRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: WebhookRateLimiter) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.limiter.take(context.switchToHttp().getRequest<Request>().ip ?? '');
    return true;
  }
}

/** See WebhookRateLimiter. */
export const WebhookRateLimit = () =>
  applyDecorators(UseGuards(WebhookRateLimitGuard), ApiTooManyRequestsResponse({ description: 'Mais de WEBHOOK_RATE_LIMIT requisições por minuto deste IP (veja Retry-After)' }));
