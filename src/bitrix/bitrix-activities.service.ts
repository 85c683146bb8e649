import { Injectable } from '@nestjs/common';
import { BitrixClient } from './bitrix.client';
import { BitrixCommand, bitrixCommand } from './bitrix-batch';
import { ActivityDirection, directionToBitrix } from './bitrix-activity.mapper';
import { toBitrixDateTime } from './bitrix-conversions';
import { BitrixFieldMap } from './bitrix-field-map';
import { BitrixFileUpload, toNameAndBase64 } from './bitrix-file-upload';
import { BitrixNotFoundError } from './bitrix.errors';
import { BitrixActivity, BitrixActivityType, BitrixContentType, BitrixOwnerType, BitrixParams } from './bitrix.types';

export interface BitrixEmailActivityInput {
  bitrixDealId: number;
  subject: string;
  body: string;
  /** `html` → DESCRIPTION_TYPE 3, `text` → 1. Default html. */
  bodyType?: 'html' | 'text';
  /** `Name <address>` or an address; becomes SETTINGS.MESSAGE_FROM. */
  from: string;
  to: string | string[];
  /** Bitrix contact of the recipient; without one, the communication is bound to the deal. */
  bitrixContactId?: number | null;
  responsibleBitrixId?: number | null;
  /** Default outgoing. */
  direction?: ActivityDirection;
  /**
   * Bitrix sends an e-mail itself when TYPE_ID=4, DIRECTION=2 and COMPLETED=Y are added together
   * (reference §2.5). `true`: record it that way, so Bitrix delivers it (EMAIL_DELIVERY=bitrix).
   * `false`: this service delivers by SMTP, and the activity is recorded with COMPLETED=N, which Bitrix
   * leaves unsent (it shows as a pending e-mail activity on the deal).
   */
  deliverThroughBitrix: boolean;
  files?: BitrixFileUpload[];
  sentAt?: Date;
}

const DETAIL_SELECT = ['*', 'COMMUNICATIONS', 'FILES'];

/** `crm.activity.*` (reference §2.5): e-mails of a ticket. */
@Injectable()
export class BitrixActivities {
  constructor(
    private readonly client: BitrixClient,
    private readonly fieldMap: BitrixFieldMap,
  ) {}

  /**
   * Records an e-mail on the deal; returns the activity id. Never retried after an ambiguous failure: with
   * `deliverThroughBitrix` a replay would send the e-mail twice.
   */
  async addEmail(input: BitrixEmailActivityInput): Promise<number> {
    const { method, params } = this.addEmailCommand(input);
    return Number(await this.client.call<number | string>(method, params));
  }

  addEmailCommand(input: BitrixEmailActivityInput): BitrixCommand<number> {
    const recipients = (Array.isArray(input.to) ? input.to : input.to.split(/[,;]/)).map((s) => s.trim()).filter(Boolean);
    const direction = input.direction ?? 'outgoing';
    const when = toBitrixDateTime(input.sentAt ?? new Date(), this.fieldMap.config.timeZone);
    const counterpart = direction === 'outgoing' ? recipients : [input.from];
    const communications = counterpart.map((value) =>
      input.bitrixContactId
        ? { VALUE: value, ENTITY_ID: input.bitrixContactId, ENTITY_TYPE_ID: BitrixOwnerType.contact }
        : { VALUE: value, ENTITY_ID: input.bitrixDealId, ENTITY_TYPE_ID: BitrixOwnerType.deal },
    );
    const fields: BitrixParams = {
      OWNER_TYPE_ID: BitrixOwnerType.deal,
      OWNER_ID: input.bitrixDealId,
      TYPE_ID: BitrixActivityType.email,
      SUBJECT: input.subject,
      DESCRIPTION: input.body,
      DESCRIPTION_TYPE: input.bodyType === 'text' ? BitrixContentType.plain : BitrixContentType.html,
      DIRECTION: directionToBitrix(direction),
      // Outgoing + completed = Bitrix sends it; see deliverThroughBitrix.
      COMPLETED: direction === 'incoming' || input.deliverThroughBitrix ? 'Y' : 'N',
      START_TIME: when,
      END_TIME: when,
      // Do not pass TYPE in COMMUNICATIONS: EMAIL is implied (reference §2.5).
      COMMUNICATIONS: communications,
      SETTINGS: { MESSAGE_FROM: input.from },
    };
    if (input.responsibleBitrixId) fields.RESPONSIBLE_ID = input.responsibleBitrixId;
    if (input.files?.length) fields.FILES = input.files.map((f) => ({ fileData: toNameAndBase64(f) }));
    return bitrixCommand<number>('crm.activity.add', { fields });
  }

  /** `crm.activity.get` (BitrixNotFoundError: "Activity is not found"). */
  async get(activityId: number): Promise<BitrixActivity> {
    return this.client.call<BitrixActivity>('crm.activity.get', { id: activityId });
  }

  getCommand(activityId: number): BitrixCommand<BitrixActivity> {
    return bitrixCommand<BitrixActivity>('crm.activity.get', { id: activityId });
  }

  /** The activity with COMMUNICATIONS and FILES, which only `list` returns for sure when selected. */
  async getWithDetails(activityId: number): Promise<BitrixActivity> {
    const page = await this.client.listPage<BitrixActivity>('crm.activity.list', { filter: { ID: activityId }, select: DETAIL_SELECT });
    const found = page.items.find((a) => Number(a.ID) === activityId);
    if (!found) throw new BitrixNotFoundError({ method: 'crm.activity.list', code: 'NOT_FOUND', description: 'Activity is not found' });
    return found;
  }

  /** Every activity of a deal (e-mails, calls...), oldest first, with FILES and COMMUNICATIONS. */
  async listByDeal(bitrixDealId: number, options: { typeId?: number } = {}): Promise<BitrixActivity[]> {
    const filter: BitrixParams = { OWNER_TYPE_ID: BitrixOwnerType.deal, OWNER_ID: bitrixDealId };
    if (options.typeId !== undefined) filter.TYPE_ID = options.typeId;
    const out: BitrixActivity[] = [];
    for await (const row of this.client.listAll<BitrixActivity>('crm.activity.list', { filter, select: DETAIL_SELECT, order: { ID: 'ASC' } })) {
      out.push(row);
    }
    return out;
  }
}
