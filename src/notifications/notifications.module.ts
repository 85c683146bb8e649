import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RolesModule } from '../roles/roles.module';
import { TicketChangeRecorder } from '../tickets/ticket-change-recorder';
import { DeadLettersService } from './dead-letters.service';
import { NotificationDelivery } from './notification-delivery.service';
import { NotificationDestinationsRepository } from './notification-destinations.repository';
import { NotificationEventsRecorder } from './notification-events.recorder';
import { NotificationFanout } from './notification-fanout.service';
import { NotificationOutboxRepository } from './notification-outbox.repository';
import { NotificationQueue } from './notification-queue.service';
import { NotificationSettingsService } from './notification-settings.service';
import { NotificationWorkers } from './notification-workers.service';
import { NotificationsController } from './notifications.controller';
import { PushModule } from './push/push.module';
import { SlaWatch } from './sla-watch.service';
import { WebhookUrlCipher } from './webhook-url';

/**
 * Notifications (issue #19): the durable outbox (PostgreSQL + pg-boss), Teams and Slack channels, triggers from
 * the mirror's changes, the SLA watch, preferences and department channels. Global, so the tickets mirror's
 * repositories find its TicketChangeRecorder wherever they are instantiated (the sync CLI has none).
 */
@Global()
@Module({
  imports: [RolesModule, PushModule],
  controllers: [NotificationsController],
  providers: [
    { provide: WebhookUrlCipher, inject: [AppConfig], useFactory: (config: AppConfig) => new WebhookUrlCipher(config.cpf.encryptionKey) },
    NotificationQueue,
    NotificationOutboxRepository,
    NotificationDestinationsRepository,
    NotificationEventsRecorder,
    { provide: TicketChangeRecorder, useExisting: NotificationEventsRecorder },
    NotificationFanout,
    NotificationDelivery,
    NotificationWorkers,
    SlaWatch,
    NotificationSettingsService,
    DeadLettersService,
  ],
  exports: [TicketChangeRecorder],
})
export class NotificationsModule {}
