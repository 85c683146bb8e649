import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** An employee or IT staff member. Mirrors the seed's `users` table (section 4.1). */
@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn()
  id!: number;

  @Index()
  @Column({ name: 'full_name', type: 'varchar', length: 64 })
  fullName!: string;

  @Column({ type: 'varchar', length: 15, unique: true })
  matricula!: string;

  @Column({ type: 'varchar', length: 128, unique: true })
  email!: string;

  /** AES-256-GCM ciphertext (never the plain CPF). Uniqueness is enforced on `cpfHash`. */
  @Column({ type: 'varchar', length: 128 })
  cpf!: string;

  /** HMAC-SHA256 of the normalised CPF, for uniqueness and look-ups without decrypting. */
  @Column({ name: 'cpf_hash', type: 'varchar', length: 64, unique: true })
  cpfHash!: string;

  @Column({ name: 'hashed_password', type: 'varchar', length: 256 })
  hashedPassword!: string;

  @Column({ type: 'varchar', length: 64 })
  department!: string;

  @Column({ type: 'varchar', length: 64 })
  filial!: string;

  @Column({ name: 'phone_number', type: 'varchar', length: 20, nullable: true })
  phoneNumber!: string | null;

  /** Storage key of the avatar; the API exposes a presigned URL instead. */
  @Column({ name: 'profile_picture', type: 'varchar', length: 256, nullable: true })
  profilePicture!: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'is_admin', type: 'boolean', default: false })
  isAdmin!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** SHA-256 of the single-use reset token (the token itself only travels by e-mail). */
  @Column({ name: 'password_reset_token', type: 'text', nullable: true })
  passwordResetToken!: string | null;

  @Column({ name: 'password_reset_expires_at', type: 'timestamptz', nullable: true })
  passwordResetExpiresAt!: Date | null;

  @Column({ name: 'failed_login_count', type: 'int', default: 0 })
  failedLoginCount!: number;

  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true })
  lockedUntil!: Date | null;

  /** Bitrix24 user ID of this person, when known (IT staff who answer tickets). */
  @Column({ name: 'bitrix_user_id', type: 'int', nullable: true })
  bitrixUserId!: number | null;

  /** OpenID Connect identity (issuer + subject), set at the first SSO sign-in; unique together. */
  @Column({ name: 'oidc_issuer', type: 'varchar', length: 255, nullable: true })
  oidcIssuer!: string | null;

  @Column({ name: 'oidc_subject', type: 'varchar', length: 255, nullable: true })
  oidcSubject!: string | null;
}
