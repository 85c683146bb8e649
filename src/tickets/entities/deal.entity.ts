import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryGeneratedColumn,
  Relation,
  UpdateDateColumn,
} from 'typeorm';
import { User } from '../../users/user.entity';
import { Activity } from './activity.entity';
import { DealFile } from './deal-file.entity';

/**
 * A ticket: the local mirror of one Bitrix24 deal (seed section 4.1, table `deals`).
 * `id` is internal (foreign keys only); `bitrixDealId` (column `deal_id`) is the public ticket ID.
 */
@Entity({ name: 'deals' })
export class Deal {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ name: 'deal_id', type: 'int', unique: true })
  bitrixDealId!: number;

  @Column({ type: 'varchar', length: 255, nullable: true })
  title!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Index()
  @Column({ name: 'stage_id', type: 'varchar', length: 50, nullable: true })
  stageId!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 1, nullable: true })
  opened!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 1, nullable: true })
  closed!: string | null;

  @Index()
  @Column({ name: 'created_by_id', type: 'varchar', length: 10, nullable: true })
  createdById!: string | null;

  @Column({ name: 'modify_by_id', type: 'varchar', length: 10, nullable: true })
  modifyById!: string | null;

  @Column({ name: 'moved_by_id', type: 'varchar', length: 10, nullable: true })
  movedById!: string | null;

  @Column({ name: 'last_activity_by_id', type: 'varchar', length: 10, nullable: true })
  lastActivityById!: string | null;

  @Column({ name: 'last_communication_time', type: 'varchar', length: 19, nullable: true })
  lastCommunicationTime!: string | null;

  @Column({ name: 'close_date', type: 'timestamptz', nullable: true })
  closeDate!: Date | null;

  @Column({ name: 'date_deadline', type: 'timestamptz', nullable: true })
  dateDeadline!: Date | null;

  @Column({ name: 'begin_date', type: 'timestamptz', nullable: true })
  beginDate!: Date | null;

  @Index()
  @Column({ name: 'requester_department', type: 'varchar', length: 100, nullable: true })
  requesterDepartment!: string | null;

  @Index()
  @Column({ name: 'assignee_department', type: 'varchar', length: 100, nullable: true })
  assigneeDepartment!: string | null;

  @Index()
  @Column({ name: 'service_category', type: 'varchar', length: 50, nullable: true })
  serviceCategory!: string | null;

  @Index()
  @Column({ name: 'system_type', type: 'varchar', length: 50, nullable: true })
  systemType!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 50, nullable: true })
  priority!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 20, nullable: true })
  matricula!: string | null;

  @Index()
  @Column({ type: 'varchar', length: 255, nullable: true })
  responsible!: string | null;

  @Index()
  @Column({ name: 'responsible_email', type: 'varchar', length: 255, nullable: true })
  responsibleEmail!: string | null;

  @Column({ name: 'requester_email', type: 'varchar', length: 255, nullable: true })
  requesterEmail!: string | null;

  @Index()
  @Column({ name: 'responsible_id', type: 'int', nullable: true })
  responsibleId!: number | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'responsible_id' })
  responsibleUser?: Relation<User> | null;

  @Index()
  @Column({ name: 'user_id', type: 'int', nullable: true })
  userId!: number | null;

  @ManyToOne(() => User, { nullable: true, onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id' })
  user?: Relation<User> | null;

  /** Legacy single attachment of the Python system; use `files`. */
  @Column({ name: 'file_id', type: 'int', nullable: true })
  fileId!: number | null;

  /** Legacy single attachment of the Python system; use `files`. */
  @Column({ name: 'file_url', type: 'text', nullable: true })
  fileUrl!: string | null;

  @Column({ name: 'is_unread', type: 'boolean', default: false })
  isUnread!: boolean;

  /** Satisfaction rating (1–5) given when the requester closes the ticket. */
  @Column({ type: 'smallint', nullable: true })
  rating!: number | null;

  @Column({ name: 'rating_comment', type: 'text', nullable: true })
  ratingComment!: string | null;

  /** Bitrix24 user ID of the responsible (ASSIGNED_BY_ID). */
  @Column({ name: 'responsible_bitrix_id', type: 'varchar', length: 20, nullable: true })
  responsibleBitrixId!: string | null;

  @Column({ name: 'bitrix_contact_id', type: 'int', nullable: true })
  bitrixContactId!: number | null;

  /** DATE_MODIFY of the Bitrix version mirrored here; an older read never overwrites a newer one. */
  @Column({ name: 'bitrix_modified_at', type: 'timestamptz', nullable: true })
  bitrixModifiedAt!: Date | null;

  /** Set when the deal was deleted in Bitrix24 (ONCRMDEALDELETE); hidden from listings. */
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  /** When the ticket was opened: Bitrix's DATE_CREATE (the system of record), whichever path mirrored it. */
  @Index()
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** When this service first stored the row (for a deal imported by `npm run sync`, long after created_at). */
  @CreateDateColumn({ name: 'mirrored_at', type: 'timestamptz' })
  mirroredAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @OneToMany(() => Activity, (activity) => activity.deal)
  activities?: Relation<Activity[]>;

  @OneToMany(() => DealFile, (file) => file.deal)
  files?: Relation<DealFile[]>;
}
