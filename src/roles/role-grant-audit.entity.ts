import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only trail of every grant and revoke: who did what to whom, when, through which source. */
@Entity({ name: 'role_grant_audit' })
@Index('role_grant_audit_user_id_idx', ['userId', 'at'])
export class RoleGrantAudit {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  @Column({ type: 'varchar', length: 8 })
  action!: 'grant' | 'revoke';

  @Column({ type: 'varchar', length: 16 })
  role!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  department!: string | null;

  @Column({ type: 'varchar', length: 16 })
  source!: string;

  /** `user:<id>` for an admin through the API, `oidc:<issuer subject>`, `migration`, `seed`. */
  @Column({ type: 'varchar', length: 160 })
  actor!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;
}
