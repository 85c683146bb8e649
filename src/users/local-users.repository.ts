import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { pickLocalUser } from './responsible-resolver';
import { User } from './user.entity';

/**
 * Reads of `users` that the tickets mirror needs (who is the responsible, who is the requester).
 * Writes of `users` stay in UsersService.
 */
@Injectable()
export class LocalUsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: number): Promise<User | null> {
    return this.dataSource.getRepository(User).findOneBy({ id });
  }

  /** The local user of a Bitrix user: by stored Bitrix user ID first, then by e-mail (see pickLocalUser). */
  async findForBitrixUser(bitrixUserId: number | string | null, email: string | null): Promise<User | null> {
    const id = bitrixUserId === null || bitrixUserId === '' ? null : Number(bitrixUserId);
    const bitrixId = id !== null && Number.isSafeInteger(id) && id > 0 ? id : null;
    const wanted = email?.trim() || null;
    if (bitrixId === null && wanted === null) return null;
    const query = this.dataSource.getRepository(User).createQueryBuilder('u');
    if (bitrixId !== null) query.where('u.bitrix_user_id = :bitrixId', { bitrixId });
    if (wanted !== null) query.orWhere('lower(u.email) = lower(:email)', { email: wanted });
    return pickLocalUser(await query.getMany(), bitrixId, wanted);
  }

  /** Local `users.id` whose e-mail matches (case-insensitive), or null: the requester of a deal made in the portal. */
  async findIdByEmail(email: string | null): Promise<number | null> {
    return (await this.findForBitrixUser(null, email))?.id ?? null;
  }
}
