import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { OriginCheckMiddleware } from './origin-check.middleware';

/**
 * Cross-cutting HTTP defences that need DI: the CSRF Origin check and the per-IP rate limits used by
 * `@AuthRateLimit()` / `@WebhookRateLimit()` (helmet and CORS are installed in app.setup.ts).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'auth', ttl: 60_000, limit: config.auth.loginRateLimit },
          { name: 'webhook', ttl: 60_000, limit: config.webhookRateLimit },
        ],
      }),
    }),
  ],
})
export class SecurityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OriginCheckMiddleware).forRoutes('*path');
  }
}
