import { Injectable } from '@nestjs/common';
import { BitrixClient } from './bitrix.client';
import { BitrixCommand, bitrixCommand } from './bitrix-batch';
import { BitrixNotFoundError } from './bitrix.errors';
import { BitrixUser } from './bitrix.types';

/**
 * `user.get` (reference §2.7): always answers an array, even for one id. Filters are passed as flat keys
 * (`{ID: 1}`), the form of the official example; Bitrix also accepts them under FILTER.
 */
@Injectable()
export class BitrixUsers {
  constructor(private readonly client: BitrixClient) {}

  /** The user, or BitrixNotFoundError. */
  async get(bitrixUserId: number | string): Promise<BitrixUser> {
    const user = await this.find(bitrixUserId);
    if (!user) throw new BitrixNotFoundError({ method: 'user.get', code: 'NOT_FOUND', description: `user ${bitrixUserId}` });
    return user;
  }

  /** The user, or null. */
  async find(bitrixUserId: number | string): Promise<BitrixUser | null> {
    const users = await this.client.call<BitrixUser[]>('user.get', { ID: Number(bitrixUserId) });
    return (Array.isArray(users) ? users : []).find((u) => String(u.ID) === String(bitrixUserId)) ?? null;
  }

  getCommand(bitrixUserId: number | string): BitrixCommand<BitrixUser[]> {
    return bitrixCommand<BitrixUser[]>('user.get', { ID: Number(bitrixUserId) });
  }

  /** First active user with this e-mail (case-insensitive match on our side), or null. */
  async findByEmail(email: string): Promise<BitrixUser | null> {
    const wanted = email.trim().toLowerCase();
    if (!wanted) return null;
    const users = await this.client.call<BitrixUser[]>('user.get', { EMAIL: email.trim() });
    const list = (Array.isArray(users) ? users : []).filter((u) => (u.EMAIL ?? '').toLowerCase() === wanted);
    return list.find((u) => u.ACTIVE === true || u.ACTIVE === 'Y') ?? list[0] ?? null;
  }

  /** Many users in `batch` calls of 50; unknown ids are absent from the map. */
  async getMany(bitrixUserIds: Array<number | string>): Promise<Map<number, BitrixUser>> {
    const ids = [...new Set(bitrixUserIds.map(Number).filter((id) => Number.isInteger(id) && id > 0))];
    const out = new Map<number, BitrixUser>();
    if (!ids.length) return out;
    const commands: Record<string, BitrixCommand<BitrixUser[]>> = {};
    for (const id of ids) commands[`u${id}`] = this.getCommand(id);
    const result = await this.client.batchChunked(commands);
    for (const id of ids) {
      const rows = result.find(`u${id}`);
      const user = Array.isArray(rows) ? rows.find((u) => Number(u.ID) === id) : undefined;
      if (user) out.set(id, user);
    }
    return out;
  }
}

/** "Ana Souza" from NAME / LAST_NAME (falls back to the e-mail, then `#id`). */
export function bitrixUserFullName(user: BitrixUser): string {
  const name = [user.NAME, user.LAST_NAME].filter((p) => typeof p === 'string' && p.trim()).join(' ').trim();
  return name || user.EMAIL || `#${user.ID}`;
}
