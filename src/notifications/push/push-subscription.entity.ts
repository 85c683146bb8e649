import { Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * A browser's Web Push subscription (the `PushSubscription.toJSON()` it registered) and whose it is. The endpoint
 * is a capability URL (whoever holds it can push to that browser): never log it whole, never show it to others.
 */
@Entity({ name: 'push_subscriptions' })
@Index('push_subscriptions_user_id_idx', ['userId', 'updatedAt'])
@Unique('push_subscriptions_endpoint_key', ['endpoint'])
export class PushSubscription {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  /** Unique: a browser is one person at a time. */
  @Column({ type: 'text' })
  endpoint!: string;

  /** The browser's P-256 public key (65 bytes, base64url). */
  @Column({ type: 'varchar', length: 100 })
  p256dh!: string;

  /** The browser's authentication secret (16 bytes, base64url). */
  @Column({ type: 'varchar', length: 32 })
  auth!: string;

  /** When the push service will drop it (`expirationTime`), if it said. */
  @Column({ name: 'expiration_time', type: 'timestamptz', nullable: true })
  expirationTime!: Date | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 255, nullable: true })
  userAgent!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Last (re-)registration: the oldest is dropped past PUSH_MAX_SUBSCRIPTIONS_PER_USER. */
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
