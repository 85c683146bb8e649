import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PushSubscription } from './push-subscription.entity';

/** What a browser registers (its `PushSubscription.toJSON()`), for one person. */
export interface PushSubscriptionInput {
  userId: number;
  endpoint: string;
  p256dh: string;
  auth: string;
  expirationTime: Date | null;
  userAgent: string | null;
}

/** The one writer of `push_subscriptions`. */
@Injectable()
export class PushSubscriptionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Registers (or re-registers) an endpoint for `input.userId`, taking it from whoever had it, and drops that
   * person's subscriptions registered longest ago beyond `keep`. One transaction.
   */
  async upsertKeepingNewest(input: PushSubscriptionInput, keep: number): Promise<{ subscription: PushSubscription; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const rows: (Record<string, unknown> & { created: boolean })[] = await manager.query(
        `INSERT INTO push_subscriptions (user_id, endpoint, p256dh, auth, expiration_time, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (endpoint) DO UPDATE
           SET user_id = EXCLUDED.user_id, p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth,
               expiration_time = EXCLUDED.expiration_time, user_agent = EXCLUDED.user_agent, updated_at = clock_timestamp()
         RETURNING id, (xmax = 0) AS created`,
        [input.userId, input.endpoint, input.p256dh, input.auth, input.expirationTime, input.userAgent],
      );
      const { id, created } = rows[0] as { id: number; created: boolean };
      await manager.query(
        `DELETE FROM push_subscriptions WHERE id IN (
           SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY updated_at DESC, id DESC OFFSET $2)`,
        [input.userId, keep],
      );
      const subscription = await manager.getRepository(PushSubscription).findOneByOrFail({ id });
      return { subscription, created };
    });
  }

  /** Removes `endpoint` if `userId` holds it; whether it did. */
  async deleteOwned(userId: number, endpoint: string): Promise<boolean> {
    const result = await this.dataSource.getRepository(PushSubscription).delete({ userId, endpoint });
    return (result.affected ?? 0) > 0;
  }

  async deleteById(id: number): Promise<void> {
    await this.dataSource.getRepository(PushSubscription).delete({ id });
  }

  /** The live subscriptions of these people: active accounts only, not past their `expirationTime`. */
  findUsableForUsers(userIds: number[]): Promise<PushSubscription[]> {
    return this.dataSource
      .getRepository(PushSubscription)
      .createQueryBuilder('s')
      .innerJoin('users', 'u', 'u.id = s.user_id AND u.is_active')
      .where('s.user_id = ANY(:userIds)', { userIds })
      .andWhere('(s.expiration_time IS NULL OR s.expiration_time > now())')
      .orderBy('s.user_id')
      .addOrderBy('s.id')
      .getMany();
  }

  findOfUser(userId: number): Promise<PushSubscription[]> {
    return this.dataSource.getRepository(PushSubscription).find({ where: { userId }, order: { updatedAt: 'DESC', id: 'DESC' } });
  }
}
