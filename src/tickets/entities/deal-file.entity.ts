import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Relation } from 'typeorm';
import { Deal } from './deal.entity';

/** An attachment of a ticket (seed table `deal_files`): stored in Bitrix Disk and in S3. */
@Entity({ name: 'deal_files' })
export class DealFile {
  @PrimaryGeneratedColumn()
  id!: number;

  /** Internal `deals.id`. */
  @Index()
  @Column({ name: 'deal_id', type: 'int' })
  dealId!: number;

  @ManyToOne(() => Deal, (deal) => deal.files, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'deal_id' })
  deal?: Relation<Deal>;

  /** Bitrix Disk file ID. */
  @Column({ name: 'file_id', type: 'int', nullable: true })
  bitrixFileId!: number | null;

  /** Storage object key (the API exposes a presigned URL instead). */
  @Column({ name: 'file_url', type: 'varchar', length: 500, nullable: true })
  storageKey!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  filename!: string | null;
}
