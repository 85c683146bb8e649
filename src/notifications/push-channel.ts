import type { DeliveryOutcome, TicketNotice } from './notification-contract';

/** A browser push subscription as the outbox addresses it (one delivery row per subscription). */
export interface PushTarget {
  id: number;
  userId: number;
}

/**
 * Web Push as the outbox sees it (implemented over src/notifications/push/ by PushModule's services). Optional:
 * without a provider, people are reached through their personal Teams/Slack webhooks only.
 */
export abstract class PushChannel {
  /** The subscriptions (browsers) of these people. */
  abstract subscriptionsOf(userIds: number[]): Promise<PushTarget[]>;
  /** One attempt to a subscription of `userId`; null when it no longer exists here (nothing to send to). */
  abstract send(subscriptionId: number, userId: number, notice: TicketNotice): Promise<DeliveryOutcome | null>;
  /** The push service answered 404/410: the subscription is gone. */
  abstract forget(subscriptionId: number): Promise<void>;
}
