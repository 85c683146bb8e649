import { Module, Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TicketMirrorModule } from '../tickets/ticket-mirror.module';
import { ActivityMirrorService } from './activity-mirror.service';
import { BitrixUserDirectory } from './bitrix-user-directory.service';
import { DealMirrorService } from './deal-mirror.service';
import { MirrorSyncService } from './mirror-sync.service';
import { ReconciliationService } from './reconciliation.service';
import { WebhookFailuresService } from './webhook-failures.service';
import { WebhookIntakeRoute } from './webhook-intake.route';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookProcessor } from './webhook-processor.service';
import { WebhookQueueService } from './webhook-queue.service';
import { WebhookSettings } from './webhook-settings';
import { WebhookController } from './webhook.controller';

/** Bitrix → local mirroring, shared by the app (webhook workers, schedule) and the `npm run sync` CLI. */
export const MIRROR_PROVIDERS: Provider[] = [
  { provide: WebhookSettings, inject: [AppConfig], useFactory: (config: AppConfig) => config.webhook },
  BitrixUserDirectory,
  DealMirrorService,
  ActivityMirrorService,
  MirrorSyncService,
  ReconciliationService,
];

/**
 * `POST /webhook-bitrix24` (SPEC §6): durable intake into pg-boss, coalescing workers, admin replay of
 * failed events, scheduled reconciliation. Needs the global BitrixModule, StorageModule and the
 * TicketEventsBroadcaster (RealtimeModule).
 */
@Module({
  imports: [TicketMirrorModule],
  controllers: [WebhookController],
  providers: [...MIRROR_PROVIDERS, WebhookQueueService, WebhookProcessor, WebhookIntakeService, WebhookIntakeRoute, WebhookFailuresService],
  exports: [DealMirrorService, ActivityMirrorService, ReconciliationService, WebhookQueueService],
})
export class WebhookModule {}
