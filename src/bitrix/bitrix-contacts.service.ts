import { Injectable } from '@nestjs/common';
import { BitrixClient } from './bitrix.client';
import { BitrixCommand, bitrixCommand } from './bitrix-batch';
import { BitrixContact, BitrixParams } from './bitrix.types';

export interface BitrixContactInput {
  /** Full name; split into NAME (first word) and LAST_NAME (the rest) unless `lastName` is given. */
  name: string;
  lastName?: string;
  email?: string | null;
  phone?: string | null;
}

const CONTACT_SELECT = ['ID', 'NAME', 'LAST_NAME', 'SECOND_NAME', 'EMAIL', 'PHONE'];

/** `crm.contact.*` (reference §2.3): the requester of a ticket is a Bitrix contact. */
@Injectable()
export class BitrixContacts {
  constructor(private readonly client: BitrixClient) {}

  async get(bitrixContactId: number): Promise<BitrixContact> {
    return this.client.call<BitrixContact>('crm.contact.get', { id: bitrixContactId });
  }

  /**
   * The oldest contact whose e-mail matches, else whose phone matches (Bitrix multifield filters match
   * exactly, so the phone is tried as given and as digits only). One `batch` call.
   */
  async findByEmailOrPhone(input: { email?: string | null; phone?: string | null }): Promise<BitrixContact | null> {
    const commands: Record<string, BitrixCommand<BitrixContact[]>> = {};
    const email = input.email?.trim();
    const phone = input.phone?.trim();
    if (email) {
      commands.email = this.listCommand({ EMAIL: email });
      if (email !== email.toLowerCase()) commands.emailLower = this.listCommand({ EMAIL: email.toLowerCase() });
    }
    if (phone) {
      commands.phone = this.listCommand({ PHONE: phone });
      const digits = phone.replace(/\D/g, '');
      if (digits && digits !== phone) commands.phoneDigits = this.listCommand({ PHONE: digits });
      if (digits && `+${digits}` !== phone) commands.phonePlus = this.listCommand({ PHONE: `+${digits}` });
    }
    if (Object.keys(commands).length === 0) return null;
    const result = await this.client.batch(commands);
    result.throwIfAnyError();
    for (const key of ['email', 'emailLower', 'phone', 'phoneDigits', 'phonePlus']) {
      const rows = result.find(key);
      if (Array.isArray(rows) && rows.length > 0) return rows[0];
    }
    return null;
  }

  /** Creates a contact; returns its id. Not retried after an ambiguous failure. */
  async add(input: BitrixContactInput): Promise<number> {
    const { method, params } = this.addCommand(input);
    return Number(await this.client.call<number | string>(method, params));
  }

  addCommand(input: BitrixContactInput): BitrixCommand<number> {
    return bitrixCommand<number>('crm.contact.add', { fields: contactFields(input) });
  }

  /**
   * Finds the requester's contact or creates it (seed `get_or_create_contact`). Two concurrent calls for a
   * new person can both create one: Bitrix has no unique constraint to lean on.
   */
  async findOrCreate(input: BitrixContactInput): Promise<{ bitrixContactId: number; created: boolean }> {
    const existing = await this.findByEmailOrPhone(input);
    if (existing) return { bitrixContactId: Number(existing.ID), created: false };
    return { bitrixContactId: await this.add(input), created: true };
  }

  private listCommand(filter: BitrixParams): BitrixCommand<BitrixContact[]> {
    return bitrixCommand<BitrixContact[]>('crm.contact.list', { filter, select: CONTACT_SELECT, order: { ID: 'ASC' } });
  }
}

/** `{NAME, LAST_NAME, EMAIL:[{VALUE, VALUE_TYPE:'WORK'}], PHONE:[...]}`. */
export function contactFields(input: BitrixContactInput): BitrixParams {
  const full = input.name.trim().replace(/\s+/g, ' ');
  let name = full;
  let lastName = input.lastName?.trim() ?? '';
  if (input.lastName === undefined) {
    const space = full.indexOf(' ');
    if (space > 0) {
      name = full.slice(0, space);
      lastName = full.slice(space + 1);
    }
  }
  const fields: BitrixParams = { NAME: name, LAST_NAME: lastName, OPENED: 'Y', TYPE_ID: 'CLIENT', SOURCE_ID: 'SELF' };
  if (input.email?.trim()) fields.EMAIL = [{ VALUE: input.email.trim(), VALUE_TYPE: 'WORK' }];
  if (input.phone?.trim()) fields.PHONE = [{ VALUE: input.phone.trim(), VALUE_TYPE: 'WORK' }];
  return fields;
}
