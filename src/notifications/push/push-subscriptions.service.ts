import { Injectable, Logger, NotFoundException } from '@nestjs/common';
import { RuleViolationError } from '../../common/domain-error';
import { AppConfig } from '../../config/app-config';
import { PushSubscriptionDto } from './dto/push-subscription.dto';
import { endpointForLog, isAllowedPushHost } from './push-endpoint';
import { PushSubscription } from './push-subscription.entity';
import { PushSubscriptionsRepository } from './push-subscriptions.repository';

/** Where a notice for one person's browser goes: what the outbox hands to `WebPushSender.send`. */
export interface PushDestination {
  id: number;
  userId: number;
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** The 404 of every push route while push is off. */
export const PUSH_OFF = 'Notificações push desativadas neste servidor (VAPID_PUBLIC_KEY e VAPID_PRIVATE_KEY não definidos)';

/** Browsers' push subscriptions: a person registers and removes their own; the outbox lists and prunes them. */
@Injectable()
export class PushSubscriptionsService {
  private readonly logger = new Logger(PushSubscriptionsService.name);

  constructor(
    private readonly subscriptions: PushSubscriptionsRepository,
    private readonly config: AppConfig,
  ) {}

  /** Web Push is on when the VAPID keys are configured. */
  get enabled(): boolean {
    return this.config.push.vapid !== undefined;
  }

  /** The VAPID public key browsers subscribe with (404 while push is off). */
  vapidPublicKey(): string {
    return this.requireVapid().publicKey;
  }

  /**
   * Registers the caller's browser. Idempotent on the endpoint; an endpoint another person registered moves to
   * the caller (a browser is one person at a time). Past PUSH_MAX_SUBSCRIPTIONS_PER_USER the caller's
   * subscription registered longest ago is dropped.
   */
  async register(userId: number, dto: PushSubscriptionDto, userAgent: string | undefined): Promise<{ subscription: PushSubscription; created: boolean }> {
    this.requireVapid();
    const host = new URL(dto.endpoint).hostname.toLowerCase();
    if (!isAllowedPushHost(host, this.config.push.endpointHosts)) {
      throw new RuleViolationError('INVALID_VALUE', 'endpoint', `o serviço de push ${host} não é aceito por este servidor (PUSH_ENDPOINT_HOSTS)`);
    }
    const expirationTime = typeof dto.expirationTime === 'number' ? new Date(dto.expirationTime) : null;
    if (expirationTime && expirationTime.getTime() <= Date.now()) {
      throw new RuleViolationError('INVALID_VALUE', 'expirationTime', 'a assinatura já expirou; peça uma nova ao navegador');
    }
    const result = await this.subscriptions.upsertKeepingNewest(
      { userId, endpoint: dto.endpoint, p256dh: dto.keys.p256dh, auth: dto.keys.auth, expirationTime, userAgent: userAgent?.slice(0, 255) || null },
      this.config.push.maxSubscriptionsPerUser,
    );
    this.logger.log(`Push subscription ${result.subscription.id} ${result.created ? 'registered' : 're-registered'} for user ${userId} (${endpointForLog(dto.endpoint)})`);
    return result;
  }

  /** Removes the caller's subscription of this endpoint; nothing when it is not theirs or does not exist. */
  async unregister(userId: number, endpoint: string): Promise<void> {
    this.requireVapid();
    if (await this.subscriptions.deleteOwned(userId, endpoint)) this.logger.log(`Push subscription removed by user ${userId} (${endpointForLog(endpoint)})`);
  }

  ownSubscriptions(userId: number): Promise<PushSubscription[]> {
    this.requireVapid();
    return this.subscriptions.findOfUser(userId);
  }

  /**
   * The browsers to notify for these people: active accounts, subscriptions not expired. Empty while push is
   * off, so the outbox plans no push delivery then.
   */
  async listForUsers(userIds: number[]): Promise<PushDestination[]> {
    const ids = [...new Set(userIds)].filter((id) => Number.isInteger(id) && id >= 1 && id <= 2_147_483_647);
    if (!this.enabled || ids.length === 0) return [];
    return (await this.subscriptions.findUsableForUsers(ids)).map((s) => ({ id: s.id, userId: s.userId, endpoint: s.endpoint, keys: { p256dh: s.p256dh, auth: s.auth } }));
  }

  /** Forgets a subscription (the push service answered 404/410: it no longer exists). */
  async remove(id: number): Promise<void> {
    await this.subscriptions.deleteById(id);
  }

  private requireVapid(): NonNullable<AppConfig['push']['vapid']> {
    const vapid = this.config.push.vapid;
    if (!vapid) throw new NotFoundException(PUSH_OFF);
    return vapid;
  }
}
