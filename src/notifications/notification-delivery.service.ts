import { Injectable, Logger } from '@nestjs/common';
import Bottleneck from 'bottleneck';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { slackMessage } from './channels/slack-message';
import { teamsMessage } from './channels/teams-message';
import { postToWebhook } from './channels/webhook-post';
import type { DeliveryOutcome } from './notification-contract';
import { NotificationDestinationsRepository, WebhookKind } from './notification-destinations.repository';
import { DeliveryRow, DeliveryState, NotificationOutboxRepository } from './notification-outbox.repository';
import { DELIVERY_QUEUE, NotificationQueue } from './notification-queue.service';
import { PushSubscriptionsService, WebPushSender } from './push/push.module';
import { WebhookUrlCipher } from './webhook-url';

/** The longest a receiver's Retry-After is honoured (beyond it, the attempt waits this long). */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

type AttemptResult = { state: DeliveryState; error: string | null; nextAttemptAt: Date | null; counted: boolean; metric: 'sent' | 'failed' | 'retried' | null };

/**
 * One attempt to deliver one outbox row. The row is locked (FOR UPDATE SKIP LOCKED) while its message is sent,
 * and the outcome is written in that same transaction: `sent`; `pending` with a retry job scheduled
 * (exponential backoff with jitter, never before the receiver's Retry-After) in the same commit; `dead` after
 * the last attempt or a refusal; `gone` for a push subscription that no longer exists. A job that finds its row
 * already sent, dead or not yet due does nothing, so a job that runs twice never posts twice.
 * Posts to one Teams or Slack webhook are spaced (per instance) to stay under their throttling.
 */
@Injectable()
export class NotificationDelivery {
  private readonly logger = new Logger(NotificationDelivery.name);
  private readonly limiters: Record<WebhookKind, Bottleneck.Group>;

  constructor(
    private readonly outbox: NotificationOutboxRepository,
    private readonly destinations: NotificationDestinationsRepository,
    private readonly queue: NotificationQueue,
    private readonly cipher: WebhookUrlCipher,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly pushSubscriptions: PushSubscriptionsService,
    private readonly pushSender: WebPushSender,
  ) {
    const settings = config.notifications;
    metrics.registerGauge('notification_outbox_deliveries', 'Outbox deliveries waiting or dead, as channel:state', () => outbox.countByState(), 'state');
    this.limiters = {
      teams: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.teamsMinIntervalMs }),
      slack: new Bottleneck.Group({ maxConcurrent: 1, minTime: settings.slackMinIntervalMs }),
    };
  }

  /**
   * One delivery job. `route` (channel and target, carried in the job by the fan-out and retries) picks the rate
   * limiter without reading the row first; jobs without it (replays, housekeeping) peek at the row.
   */
  async deliver(deliveryId: string, route?: { channel?: string; target?: string }): Promise<void> {
    let channel = route?.channel as DeliveryRow['channel'] | undefined;
    let target = route?.target;
    if (!channel || !target) {
      const peek = await this.outbox.peekDelivery(deliveryId);
      if (!peek || peek.state !== 'pending' || peek.notYetDue) return;
      ({ channel, target } = peek);
    }
    if (channel === 'push') return this.attempt(deliveryId);
    // One post at a time per destination, spaced: a burst to one Teams channel goes out at its pace, others are not held.
    return this.limiters[channel].key(target).schedule(() => this.attempt(deliveryId));
  }

  private async attempt(deliveryId: string): Promise<void> {
    // What to do once the attempt is committed (counters, forgetting a push subscription that is gone).
    const after: { metric?: { channel: string; result: 'sent' | 'failed' | 'retried' }; goneSubscription?: number } = {};
    await this.destinations.transaction(async (manager) => {
      const row = await this.outbox.lockDelivery(manager, deliveryId);
      if (!row || row === 'locked' || row.state !== 'pending' || row.notYetDue) return;
      const outcome = await this.send(manager, row);
      const result = this.resultOf(row, outcome);
      await this.outbox.recordAttempt(manager, row.id, result);
      if (result.state === 'pending' && result.nextAttemptAt) {
        await this.queue.insertInTransaction(manager, [{ name: DELIVERY_QUEUE, data: { deliveryId: row.id, channel: row.channel, target: row.target }, startAfter: result.nextAttemptAt }]);
      }
      if (outcome?.kind === 'gone') after.goneSubscription = Number(row.target.replace(/^sub:/, ''));
      if (result.metric) after.metric = { channel: row.channel, result: result.metric };
      if (result.state === 'dead') this.logger.warn(`Notification delivery ${row.id} (${row.channel}, ${row.notice.event} #${row.notice.ticket.number}) is a dead letter: ${result.error}`);
    });
    if (after.metric) this.metrics.notificationAttempt(after.metric.channel, after.metric.result);
    const gone = after.goneSubscription;
    if (gone !== undefined) {
      await this.pushSubscriptions.remove(gone).catch((error: Error) => this.logger.warn(`Could not remove push subscription ${gone}: ${error.message}`));
    }
  }

  /** Sends the row's message; null when its destination no longer exists (deleted or disabled channel, removed URL). */
  private async send(manager: EntityManager, row: DeliveryRow): Promise<DeliveryOutcome | null> {
    const timeoutMs = this.config.notifications.timeoutMs;
    if (row.channel === 'push') {
      if (row.recipientUserId === null) return null;
      const subscriptionId = Number(row.target.replace(/^sub:/, ''));
      const destination = (await this.pushSubscriptions.listForUsers([row.recipientUserId])).find((s) => s.id === subscriptionId);
      return destination ? this.pushSender.send(destination, row.notice) : null;
    }
    const url = await this.urlOf(manager, row.channel, row.target);
    if (!url) return null;
    return postToWebhook(url, row.channel === 'teams' ? teamsMessage(row.notice) : slackMessage(row.notice), timeoutMs);
  }

  private async urlOf(manager: EntityManager, kind: WebhookKind, target: string): Promise<string | null> {
    const [scope, rawId] = target.split(':');
    const id = Number(rawId);
    if (scope === 'dept') {
      const channel = await this.destinations.findChannel(id, manager);
      return channel && channel.enabled && channel.kind === kind ? this.cipher.open(channel.urlSealed) : null;
    }
    const personal = (await this.destinations.personalWebhooks(manager, [id])).find((w) => w.kind === kind);
    return personal ? this.cipher.open(personal.urlSealed) : null;
  }

  private resultOf(row: DeliveryRow, outcome: DeliveryOutcome | null): AttemptResult {
    if (!outcome) return { state: 'cancelled', error: 'destino removido ou desativado', nextAttemptAt: null, counted: false, metric: null };
    switch (outcome.kind) {
      case 'delivered':
        return { state: 'sent', error: null, nextAttemptAt: null, counted: true, metric: 'sent' };
      case 'gone':
        return { state: 'gone', error: outcome.reason, nextAttemptAt: null, counted: true, metric: 'failed' };
      case 'rejected':
        return { state: 'dead', error: outcome.reason, nextAttemptAt: null, counted: true, metric: 'failed' };
      case 'retry': {
        const attempts = row.attempts + 1;
        if (attempts >= this.config.notifications.maxAttempts) {
          return { state: 'dead', error: `${outcome.reason} (após ${attempts} tentativas)`, nextAttemptAt: null, counted: true, metric: 'failed' };
        }
        return { state: 'pending', error: outcome.reason, nextAttemptAt: new Date(Date.now() + this.retryDelayMs(attempts, outcome.retryAfterMs)), counted: true, metric: 'retried' };
      }
    }
  }

  /** Exponential backoff from the first delay (doubled per attempt, ±25 % jitter, capped); the receiver's Retry-After when longer. */
  private retryDelayMs(attempts: number, retryAfterMs: number | undefined): number {
    const { retryDelaySeconds, retryMaxDelaySeconds } = this.config.notifications;
    const backoff = Math.min(retryMaxDelaySeconds * 1000, retryDelaySeconds * 1000 * 2 ** (attempts - 1)) * (0.75 + Math.random() * 0.5);
    return Math.round(Math.max(backoff, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS)));
  }
}
