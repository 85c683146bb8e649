import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, Unique, Relation } from 'typeorm';
import { ActivityFile } from './activity-file.entity';
import { Deal } from './deal.entity';

/** Where an activity row came from in Bitrix24: a CRM activity (e-mail, call…) or a timeline comment. */
export type BitrixActivitySource = 'activity' | 'comment';

/**
 * One entry of a ticket's timeline (seed table `activities`). Bitrix activities and timeline comments
 * have separate ID spaces, so the Bitrix ID is unique together with its source.
 */
@Entity({ name: 'activities' })
@Unique('uq_activities_source_activity_id', ['bitrixSource', 'bitrixActivityId'])
export class Activity {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'activity_id', type: 'int' })
  bitrixActivityId!: number;

  @Column({ name: 'bitrix_source', type: 'varchar', length: 16, default: 'activity' })
  bitrixSource!: BitrixActivitySource;

  /** Internal `deals.id` (not the Bitrix deal ID). */
  @Index()
  @Column({ name: 'deal_id', type: 'int' })
  dealId!: number;

  @ManyToOne(() => Deal, (deal) => deal.activities, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deal_id' })
  deal?: Relation<Deal>;

  @Column({ name: 'owner_type_id', type: 'varchar', length: 5, nullable: true })
  ownerTypeId!: string | null;

  @Column({ name: 'type_id', type: 'varchar', length: 5, nullable: true })
  typeId!: string | null;

  @Column({ name: 'provider_id', type: 'varchar', length: 50, nullable: true })
  providerId!: string | null;

  @Column({ name: 'provider_type_id', type: 'varchar', length: 50, nullable: true })
  providerTypeId!: string | null;

  @Column({ type: 'varchar', length: 10, nullable: true })
  direction!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  subject!: string | null;

  @Column({ type: 'varchar', length: 5, nullable: true })
  priority!: string | null;

  @Column({ name: 'responsible_id', type: 'varchar', length: 20, nullable: true })
  responsibleId!: string | null;

  @Column({ name: 'responsible_name', type: 'varchar', length: 255, nullable: true })
  responsibleName!: string | null;

  @Index()
  @Column({ name: 'responsible_email', type: 'varchar', length: 255, nullable: true })
  responsibleEmail!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'body_html', type: 'text', nullable: true })
  bodyHtml!: string | null;

  @Column({ name: 'description_type', type: 'varchar', length: 5, nullable: true })
  descriptionType!: string | null;

  @Column({ name: 'sender_email', type: 'varchar', length: 255, nullable: true })
  senderEmail!: string | null;

  @Column({ name: 'from_email', type: 'varchar', length: 255, nullable: true })
  fromEmail!: string | null;

  @Column({ name: 'to_email', type: 'varchar', length: 255, nullable: true })
  toEmail!: string | null;

  @Column({ name: 'receiver_email', type: 'varchar', length: 255, nullable: true })
  receiverEmail!: string | null;

  @Column({ name: 'author_id', type: 'varchar', length: 20, nullable: true })
  authorId!: string | null;

  @Column({ name: 'editor_id', type: 'varchar', length: 20, nullable: true })
  editorId!: string | null;

  @Column({ name: 'read_confirmed', type: 'int', nullable: true })
  readConfirmed!: number | null;

  /** Legacy single attachment of the Python system; use `files`. */
  @Column({ name: 'file_id', type: 'int', nullable: true })
  fileId!: number | null;

  /** Legacy single attachment of the Python system; use `files`. */
  @Column({ name: 'file_url', type: 'text', nullable: true })
  fileUrl!: string | null;

  @Column({ name: 'created_at_bitrix', type: 'timestamptz', nullable: true })
  createdAtBitrix!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @OneToMany(() => ActivityFile, (file) => file.activity)
  files?: Relation<ActivityFile[]>;
}
