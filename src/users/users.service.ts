import { BadRequestException, ConflictException, Injectable, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import bcrypt from 'bcrypt';
import { filetypeinfo } from 'magic-bytes.js';
import { FindOptionsWhere, QueryFailedError, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AVATAR_URL_TTL_SECONDS, StorageService } from '../storage/storage.service';
import { CpfCipher, isValidCpf, normalizeCpf } from './cpf';
import type { AvailabilityField } from './dto/check-availability.dto';
import { UserOutDto } from './dto/user-out.dto';
import { UserRegisterDto, UserUpdateDto } from './dto/user-register.dto';
import { RolesService } from '../roles/roles.service';
import { User } from './user.entity';

const AVATAR_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** Which unique constraint a duplicate hit, in the API's field names. */
const UNIQUE_FIELDS: [column: string, field: string][] = [
  ['matricula', 'matricula'],
  ['email', 'email'],
  ['cpf_hash', 'cpf'],
];

export interface UploadedImage {
  buffer: Buffer;
  originalname: string;
  size: number;
}

@Injectable()
export class UsersService {
  readonly cpfCipher: CpfCipher;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly storage: StorageService,
    private readonly config: AppConfig,
    private readonly roles: RolesService,
  ) {
    this.cpfCipher = new CpfCipher(config.cpf.encryptionKey, config.cpf.hmacKey);
  }

  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.config.auth.bcryptCost);
  }

  async register(dto: UserRegisterDto, flags: { isAdmin?: boolean } = {}): Promise<User> {
    await this.assertUnique({ email: dto.email, matricula: dto.matricula, cpf: dto.cpf });
    const user = this.users.create({
      fullName: dto.full_name,
      email: dto.email,
      matricula: dto.matricula,
      department: dto.department,
      filial: dto.filial,
      phoneNumber: dto.phone_number ?? null,
      cpf: this.cpfCipher.encrypt(dto.cpf),
      cpfHash: this.cpfCipher.hash(dto.cpf),
      hashedPassword: await this.hashPassword(dto.password),
      isAdmin: flags.isAdmin ?? false,
    });
    return this.saveUnique(user);
  }

  async getById(id: number): Promise<User> {
    const user = await this.users.findOneBy({ id });
    if (!user) throw new NotFoundException(`Usuário com ID ${id} não encontrado`);
    return user;
  }

  findByMatricula(matricula: string): Promise<User | null> {
    return this.users.findOneBy({ matricula });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: email.trim().toLowerCase() });
  }

  async update(id: number, dto: UserUpdateDto): Promise<User> {
    const user = await this.getById(id);
    await this.assertUnique({ email: dto.email, matricula: dto.matricula, cpf: dto.cpf }, id);
    if (dto.full_name !== undefined) user.fullName = dto.full_name;
    if (dto.email !== undefined) user.email = dto.email;
    if (dto.matricula !== undefined) user.matricula = dto.matricula;
    if (dto.department !== undefined) user.department = dto.department;
    if (dto.filial !== undefined) user.filial = dto.filial;
    if (dto.phone_number !== undefined) user.phoneNumber = dto.phone_number;
    if (dto.is_admin !== undefined) user.isAdmin = dto.is_admin;
    if (dto.is_active !== undefined) user.isActive = dto.is_active;
    if (dto.cpf !== undefined) {
      user.cpf = this.cpfCipher.encrypt(dto.cpf);
      user.cpfHash = this.cpfCipher.hash(dto.cpf);
    }
    if (dto.password !== undefined) user.hashedPassword = await this.hashPassword(dto.password);
    return this.saveUnique(user);
  }

  async setActive(id: number, isActive: boolean): Promise<User> {
    const user = await this.getById(id);
    user.isActive = isActive;
    return this.users.save(user);
  }

  async setPhone(id: number, phoneNumber: string): Promise<User> {
    const user = await this.getById(id);
    user.phoneNumber = phoneNumber;
    return this.users.save(user);
  }

  /** Stores a new avatar after checking its bytes are really an image; the old one is removed. */
  async setAvatar(id: number, file: UploadedImage | undefined): Promise<User> {
    if (!file?.buffer?.length) throw new BadRequestException('file: envie uma imagem no campo "file"');
    if (file.size > this.config.limits.maxAvatarBytes) {
      throw new PayloadTooLargeException(`file: a imagem excede ${this.config.limits.maxAvatarBytes} bytes`);
    }
    const sniffed = filetypeinfo(new Uint8Array(file.buffer.subarray(0, 64))).find((t) => t.mime && AVATAR_TYPES.has(t.mime));
    if (!sniffed?.mime) {
      throw new BadRequestException({
        message: 'file: o conteúdo não é uma imagem PNG, JPEG, GIF ou WebP',
        detail: 'file: o conteúdo não é uma imagem PNG, JPEG, GIF ou WebP',
      });
    }
    const user = await this.getById(id);
    const previous = user.profilePicture;
    user.profilePicture = await this.storage.upload('avatars', file.originalname || `avatar.${sniffed.extension ?? 'img'}`, file.buffer, sniffed.mime);
    await this.users.save(user);
    if (previous) await this.storage.remove(previous);
    return user;
  }

  /** `true` when the value is free to use for sign-up. */
  async isAvailable(field: AvailabilityField, value: string): Promise<boolean> {
    switch (field) {
      case 'email':
        return !(await this.users.existsBy({ email: value.trim().toLowerCase() }));
      case 'matricula':
        return !(await this.users.existsBy({ matricula: value.trim() }));
      case 'cpf':
        if (!isValidCpf(value)) throw new BadRequestException('value: CPF inválido');
        return !(await this.users.existsBy({ cpfHash: this.cpfCipher.hash(value) }));
    }
  }

  /** The plain CPF of a user, for the ticket rule of seed §8.3. Never logged or returned to others. */
  plainCpfOf(user: User): string {
    return normalizeCpf(this.cpfCipher.decrypt(user.cpf));
  }

  async toOut(user: User): Promise<UserOutDto> {
    return {
      id: user.id,
      full_name: user.fullName,
      email: user.email,
      filial: user.filial,
      matricula: user.matricula,
      department: user.department,
      phone_number: user.phoneNumber,
      profile_picture_url: await this.storage.presignedUrl(user.profilePicture, AVATAR_URL_TTL_SECONDS),
      is_active: user.isActive,
      is_admin: user.isAdmin,
      roles: (await this.roles.grantsOf(user.id)).map((g) => ({ role: g.role, department: g.department, source: g.source, granted_at: g.grantedAt })),
      created_at: user.createdAt,
      updated_at: user.updatedAt,
    };
  }

  private async assertUnique(values: { email?: string; matricula?: string; cpf?: string }, exceptId?: number): Promise<void> {
    const checks: [string, FindOptionsWhere<User>][] = [];
    if (values.email) checks.push(['email', { email: values.email }]);
    if (values.matricula) checks.push(['matricula', { matricula: values.matricula }]);
    if (values.cpf) checks.push(['cpf', { cpfHash: this.cpfCipher.hash(values.cpf) }]);
    for (const [field, where] of checks) {
      const existing = await this.users.findOne({ where, select: { id: true } });
      if (existing && existing.id !== exceptId) throw this.duplicate(field);
    }
  }

  /** Saves, translating a unique violation lost to a concurrent request into the same 409. */
  private async saveUnique(user: User): Promise<User> {
    try {
      return await this.users.save(user);
    } catch (error) {
      const detail = error instanceof QueryFailedError ? String((error.driverError as { detail?: string }).detail ?? '') : '';
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        const hit = UNIQUE_FIELDS.find(([column]) => detail.includes(`(${column})`));
        throw this.duplicate(hit?.[1] ?? 'usuário');
      }
      throw error;
    }
  }

  private duplicate(field: string): ConflictException {
    const labels: Record<string, string> = { email: 'E-mail', matricula: 'Matrícula', cpf: 'CPF' };
    const message = `${field}: ${labels[field] ?? field} já cadastrado`;
    return new ConflictException({ message, detail: message, field });
  }
}
