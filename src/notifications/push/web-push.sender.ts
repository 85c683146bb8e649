import { Injectable, Logger } from '@nestjs/common';
import { sendNotification, WebPushError } from 'web-push';
import { AppConfig } from '../../config/app-config';
import { DeliveryOutcome, outcomeOfResponse, TicketNotice } from '../notification-contract';
import { endpointForLog, isAllowedPushHost } from './push-endpoint';
import { isAuthSecret, isP256PublicKey } from './push-keys';
import { buildPushMessage } from './push-message';
import type { PushDestination } from './push-subscriptions.service';

/**
 * Delivers one notice to one browser through its push service: the payload encrypted for the subscription's keys
 * (RFC 8291, aes128gcm) and signed with our VAPID key (RFC 8292), by `web-push`. Never throws: every answer
 * becomes a DeliveryOutcome for the outbox (404/410 `gone`, 429/5xx/network `retry`).
 */
@Injectable()
export class WebPushSender {
  private readonly logger = new Logger(WebPushSender.name);

  constructor(private readonly config: AppConfig) {}

  async send(destination: PushDestination, notice: TicketNotice): Promise<DeliveryOutcome> {
    const { vapid, ttlSeconds, timeoutMs, endpointHosts } = this.config.push;
    if (!vapid) return { kind: 'rejected', reason: 'Web Push is off (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY unset)' };
    const refusal = this.destinationProblem(destination, endpointHosts);
    if (refusal) return { kind: 'rejected', reason: refusal };
    let message: ReturnType<typeof buildPushMessage>;
    try {
      message = buildPushMessage(notice);
    } catch (error) {
      return { kind: 'rejected', reason: (error as Error).message };
    }
    const outcome = await this.post(destination, message, { vapid, ttlSeconds, timeoutMs });
    if (outcome.kind !== 'delivered') {
      this.logger.warn(`Push to subscription ${destination.id} (${endpointForLog(destination.endpoint)}): ${outcome.kind}, ${outcome.reason}`);
    }
    return outcome;
  }

  private async post(
    destination: PushDestination,
    message: ReturnType<typeof buildPushMessage>,
    settings: { vapid: NonNullable<AppConfig['push']['vapid']>; ttlSeconds: number; timeoutMs: number },
  ): Promise<DeliveryOutcome> {
    let timer: NodeJS.Timeout | undefined;
    // web-push's `timeout` is a socket inactivity timeout; the race bounds the whole exchange too.
    const deadline = new Promise<DeliveryOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'retry', reason: `no answer within ${settings.timeoutMs} ms` }), settings.timeoutMs);
    });
    const exchange = sendNotification({ endpoint: destination.endpoint, keys: destination.keys }, message.text, {
      vapidDetails: { subject: settings.vapid.subject, publicKey: settings.vapid.publicKey, privateKey: settings.vapid.privateKey },
      contentEncoding: 'aes128gcm',
      TTL: settings.ttlSeconds,
      urgency: message.urgency,
      topic: message.topic,
      timeout: settings.timeoutMs,
    }).then(
      (): DeliveryOutcome => ({ kind: 'delivered' }),
      (error: unknown): DeliveryOutcome => outcomeOfFailure(error),
    );
    try {
      return await Promise.race([exchange, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Why this destination cannot be sent to as stored (never the endpoint itself in the reason). */
  private destinationProblem(destination: PushDestination, endpointHosts: string[]): string | null {
    let url: URL;
    try {
      url = new URL(destination.endpoint);
    } catch {
      return 'endpoint is not a URL';
    }
    if (url.protocol !== 'https:') return 'endpoint is not https';
    if (!isAllowedPushHost(url.hostname, endpointHosts)) return `push service ${url.hostname} not in PUSH_ENDPOINT_HOSTS`;
    if (!isP256PublicKey(destination.keys.p256dh)) return 'keys.p256dh is not a P-256 public key';
    if (!isAuthSecret(destination.keys.auth)) return 'keys.auth is not 16 bytes';
    return null;
  }
}

/** web-push rejects with a WebPushError for a non-2xx answer, with any other error when no answer came. */
function outcomeOfFailure(error: unknown): DeliveryOutcome {
  if (error instanceof WebPushError) {
    const retryAfter: unknown = (error.headers as Record<string, unknown> | undefined)?.['retry-after'];
    return outcomeOfResponse(error.statusCode, typeof retryAfter === 'string' ? retryAfter : null, { goneOn404And410: true });
  }
  const { code, message } = error as { code?: unknown; message?: unknown };
  return { kind: 'retry', reason: `no answer: ${typeof code === 'string' ? code : String(message ?? error)}` };
}
