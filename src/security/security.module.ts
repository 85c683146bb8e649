import { Global, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { OriginCheckMiddleware } from './origin-check.middleware';
import { RATE_LIMIT_WINDOW_MS, WebhookRateLimiter, WebhookRateLimitGuard } from './rate-limit';

/**
 * Cross-cutting HTTP defences that need DI: the CSRF Origin check and the per-IP rate limits used by
 * `@AuthRateLimit()` / `@WebhookRateLimit()` (helmet and CORS are installed in app.setup.ts).
 */
@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'auth', ttl: RATE_LIMIT_WINDOW_MS, limit: config.auth.loginRateLimit }],
      }),
    }),
  ],
  providers: [WebhookRateLimiter, WebhookRateLimitGuard],
  exports: [WebhookRateLimiter, WebhookRateLimitGuard],
})
export class SecurityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OriginCheckMiddleware).forRoutes('*path');
  }
}
