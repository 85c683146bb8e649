import { Injectable } from '@nestjs/common';
import type { DeliveryOutcome, TicketNotice } from './notification-contract';
import { PushChannel, PushTarget } from './push-channel';
import { PushSubscriptionsService, WebPushSender } from './push/push.module';

/** The outbox's PushChannel over PushModule: a person's browsers are their subscriptions (none while Web Push is off). */
@Injectable()
export class WebPushChannel extends PushChannel {
  constructor(
    private readonly subscriptions: PushSubscriptionsService,
    private readonly sender: WebPushSender,
  ) {
    super();
  }

  async subscriptionsOf(userIds: number[]): Promise<PushTarget[]> {
    return (await this.subscriptions.listForUsers(userIds)).map((s) => ({ id: s.id, userId: s.userId }));
  }

  async send(subscriptionId: number, userId: number, notice: TicketNotice): Promise<DeliveryOutcome | null> {
    const destination = (await this.subscriptions.listForUsers([userId])).find((s) => s.id === subscriptionId);
    return destination ? this.sender.send(destination, notice) : null;
  }

  forget(subscriptionId: number): Promise<void> {
    return this.subscriptions.remove(subscriptionId);
  }
}
