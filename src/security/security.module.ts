import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { OriginCheckMiddleware } from './origin-check.middleware';

/** Cross-cutting HTTP defences that need DI (helmet and CORS are installed in app.setup.ts). */
@Module({})
export class SecurityModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OriginCheckMiddleware).forRoutes('*path');
  }
}
