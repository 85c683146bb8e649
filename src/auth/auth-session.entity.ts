import { Column, CreateDateColumn, Entity, Index, ManyToOne, JoinColumn, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { User } from '../users/user.entity';

/**
 * One login (a refresh-token family). The access token carries its id (`sid`), so revoking the
 * session refuses the still-valid access token at once. Only the hash of the current refresh token
 * is stored; presenting an older one of the same family is reuse and revokes the family.
 */
@Entity({ name: 'auth_sessions' })
export class AuthSession {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index()
  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User>;

  @Column({ name: 'refresh_token_hash', type: 'varchar', length: 64 })
  refreshTokenHash!: string;

  @Column({ name: 'rotation_count', type: 'int', default: 0 })
  rotationCount!: number;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_reason', type: 'varchar', length: 32, nullable: true })
  revokedReason!: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 256, nullable: true })
  userAgent!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  /** Set on a session started by OpenID Connect: when the provider last vouched for the account. */
  @Column({ name: 'oidc_checked_at', type: 'timestamptz', nullable: true })
  oidcCheckedAt!: Date | null;

  /** The provider's refresh token, AES-256-GCM ciphertext (src/auth/oidc/token-cipher.ts); never plain. */
  @Column({ name: 'oidc_refresh_token', type: 'text', nullable: true, select: false })
  oidcRefreshToken!: string | null;
}
