import { Injectable } from '@nestjs/common';
import { BitrixUsers, bitrixUserFullName } from '../bitrix/bitrix-users.service';

export interface BitrixPerson {
  bitrixUserId: string;
  name: string | null;
  email: string | null;
}

const TTL_MS = 10 * 60 * 1000;

/**
 * Bitrix users (responsibles, comment authors) by Bitrix ID, read with batched `user.get` and cached
 * for a few minutes, since a burst names the same few IT staff again and again. Their local users are
 * resolved by LocalUsersRepository.findForBitrixUser (Bitrix user ID, then e-mail).
 */
@Injectable()
export class BitrixUserDirectory {
  private readonly cache = new Map<string, { person: BitrixPerson; at: number }>();

  constructor(private readonly bitrixUsers: BitrixUsers) {}

  /** The people behind these Bitrix user IDs; unknown IDs map to a person without name/e-mail. */
  async resolve(bitrixUserIds: Array<string | null | undefined>): Promise<Map<string, BitrixPerson>> {
    const now = Date.now();
    const wanted = [...new Set(bitrixUserIds.filter((id): id is string => !!id && /^\d+$/.test(id) && id !== '0'))];
    const missing = wanted.filter((id) => {
      const hit = this.cache.get(id);
      return !hit || now - hit.at > TTL_MS;
    });
    if (missing.length) {
      const found = await this.bitrixUsers.getMany(missing);
      for (const id of missing) {
        const user = found.get(Number(id));
        const person: BitrixPerson = user
          ? { bitrixUserId: id, name: bitrixUserFullName(user), email: user.EMAIL ? String(user.EMAIL).trim() || null : null }
          : { bitrixUserId: id, name: null, email: null };
        this.cache.set(id, { person, at: now });
      }
    }
    const out = new Map<string, BitrixPerson>();
    for (const id of wanted) {
      const hit = this.cache.get(id);
      if (hit) out.set(id, hit.person);
    }
    return out;
  }
}
