import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, Relation } from 'typeorm';
import { Activity } from './activity.entity';

/** An attachment of a timeline entry (seed table `activity_files`), mirrored from Bitrix Disk to S3. */
@Entity({ name: 'activity_files' })
@Unique('uq_activity_files_activity_file', ['activityId', 'bitrixFileId'])
export class ActivityFile {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Internal `activities.id`. */
  @Index()
  @Column({ name: 'activity_id', type: 'int' })
  activityId!: number;

  @ManyToOne(() => Activity, (activity) => activity.files, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'activity_id' })
  activity?: Relation<Activity>;

  /** Bitrix file ID. */
  @Column({ name: 'file_id', type: 'int', nullable: true })
  bitrixFileId!: number | null;

  /** Storage object key (the API exposes a presigned URL instead). */
  @Column({ name: 'file_url', type: 'varchar', length: 500, nullable: true })
  storageKey!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  filename!: string | null;
}
