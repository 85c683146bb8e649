import { Module } from '@nestjs/common';
import { PushSubscriptionsController } from './push-subscriptions.controller';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';
import { PushSubscriptionsService } from './push-subscriptions.service';
import { WebPushSender } from './web-push.sender';

export type { PushDestination } from './push-subscriptions.service';
export { PushSubscriptionsService } from './push-subscriptions.service';
export { WebPushSender } from './web-push.sender';

/**
 * Web Push to browsers (issue #19): subscriptions (routes under /notifications), and the sender the notification
 * outbox calls with a destination and a notice. Off (routes 404, no destinations) while the VAPID keys are unset.
 */
@Module({
  controllers: [PushSubscriptionsController],
  providers: [PushSubscriptionsRepository, PushSubscriptionsService, WebPushSender],
  exports: [PushSubscriptionsService, WebPushSender],
})
export class PushModule {}
