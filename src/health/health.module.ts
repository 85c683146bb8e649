import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { WebhookModule } from '../webhook/webhook.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), WebhookModule],
  controllers: [HealthController],
})
export class HealthModule {}
