import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** One role an admin (or an identity provider's group mapping) gave a user. The only source of authorization. */
@Entity({ name: 'role_grants' })
@Index('role_grants_user_id_idx', ['userId'])
export class RoleGrant {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'user_id', type: 'int' })
  userId!: number;

  /** `agent`, `lead` or `admin` (`requester` is everyone's and never stored). */
  @Column({ type: 'varchar', length: 16 })
  role!: string;

  /** The assignee department the role covers (agent, lead); null for admin. */
  @Column({ type: 'varchar', length: 100, nullable: true })
  department!: string | null;

  /** Who keeps this grant: `api` (an admin through the API), `oidc` (group mapping at login), `migration`, `seed`. */
  @Column({ type: 'varchar', length: 16 })
  source!: string;

  @Column({ name: 'granted_by', type: 'varchar', length: 160 })
  grantedBy!: string;

  @Column({ name: 'granted_at', type: 'timestamptz', default: () => 'now()' })
  grantedAt!: Date;
}
