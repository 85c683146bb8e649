import { Injectable, Logger } from '@nestjs/common';
import { BitrixActivities, BitrixEmailActivityInput } from '../bitrix/bitrix-activities.service';
import { BitrixCommand, bitrixCommand } from '../bitrix/bitrix-batch';
import { BitrixContactInput, BitrixContacts } from '../bitrix/bitrix-contacts.service';
import { BitrixDeals } from '../bitrix/bitrix-deals.service';
import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { BitrixTimelineComments } from '../bitrix/bitrix-timeline.service';
import { BitrixUsers } from '../bitrix/bitrix-users.service';
import { BitrixClient } from '../bitrix/bitrix.client';
import { BitrixApiError, BitrixError } from '../bitrix/bitrix.errors';
import {
  BitrixActivity,
  BitrixContact,
  BitrixDeal,
  BitrixDealFields,
  BitrixDiskFile,
  BitrixTimelineComment,
  BitrixTimelineCommentFile,
  BitrixUser,
} from '../bitrix/bitrix.types';
import { AppConfig } from '../config/app-config';
import type { DecodedAttachment } from './ticket-attachments.service';

export interface TicketLookup {
  /** The requester's existing Bitrix contact, if any. */
  contact: BitrixContact | null;
  /** The Bitrix user behind `resp_id`, if one was asked for and exists. */
  responsible: BitrixUser | null;
  /**
   * Without `resp_id`, the user Bitrix makes the deal's responsible (ASSIGNED_BY_ID defaults to the
   * webhook's own user), so the new ticket names the same responsible its webhook re-read will; null if unread.
   */
  defaultResponsible: BitrixUser | null;
}

export interface CreatedBitrixDeal {
  bitrixDealId: number;
  bitrixContactId: number | null;
  /** The deal as Bitrix stored it (read back in the same batch), or null if that read failed. */
  deal: BitrixDeal | null;
}

export interface CreatedBitrixActivity {
  activityId: number;
  /** Bitrix file IDs of the activity's files, in the order they were sent (null when unknown). */
  fileIds: (number | null)[];
}

export interface CreatedBitrixComment {
  commentId: number;
  /** Bitrix file IDs of the comment's files, in the order they were sent (null when unknown). */
  fileIds: (number | null)[];
}

/** Disk files uploaded before a failure; thrown so the caller can report them. */
export class BitrixDiskPartialUploadError extends Error {
  constructor(
    readonly failure: BitrixError,
    readonly uploadedFileIds: number[],
  ) {
    super(failure.message);
  }
}

/**
 * The Tickets module's use of Bitrix24, shaped to keep round trips low (SPEC §5: "use batch"):
 * a ticket costs one lookup batch, one Disk batch when it has attachments, and one create batch.
 * Every call goes through the shared BitrixModule services; this adapter only composes their commands.
 */
@Injectable()
export class TicketBitrixGateway {
  private readonly logger = new Logger(TicketBitrixGateway.name);

  constructor(
    private readonly client: BitrixClient,
    private readonly deals: BitrixDeals,
    private readonly contacts: BitrixContacts,
    private readonly users: BitrixUsers,
    private readonly timeline: BitrixTimelineComments,
    private readonly activities: BitrixActivities,
    private readonly fieldMap: BitrixFieldMap,
    private readonly config: AppConfig,
  ) {}

  /** One `batch` of reads: the requester's contact (by e-mail, then phone) and the responsible user. Safe to retry. */
  async lookupForTicket(input: { email: string | null; phone: string | null; responsibleBitrixId: string | null }): Promise<TicketLookup> {
    const commands: Record<string, BitrixCommand<unknown>> = {};
    const contactKeys: string[] = [];
    const email = input.email?.trim();
    const phone = input.phone?.trim();
    const addContactQuery = (key: string, filter: Record<string, string>) => {
      commands[key] = bitrixCommand<BitrixContact[]>('crm.contact.list', { filter, select: ['ID', 'NAME', 'LAST_NAME', 'EMAIL', 'PHONE'], order: { ID: 'ASC' } });
      contactKeys.push(key);
    };
    if (email) {
      addContactQuery('email', { EMAIL: email });
      if (email !== email.toLowerCase()) addContactQuery('emailLower', { EMAIL: email.toLowerCase() });
    }
    if (phone) {
      addContactQuery('phone', { PHONE: phone });
      const digits = phone.replace(/\D/g, '');
      if (digits && digits !== phone) addContactQuery('phoneDigits', { PHONE: digits });
    }
    if (input.responsibleBitrixId) commands.responsible = this.users.getCommand(input.responsibleBitrixId);
    else commands.defaultResponsible = bitrixCommand<BitrixUser>('user.current', {});
    const result = await this.client.batch(commands);
    // The default responsible is a nicety: a portal that refuses user.current still gets its ticket.
    for (const [key, error] of Object.entries(result.errors)) if (key !== 'defaultResponsible' && error) throw error;
    let contact: BitrixContact | null = null;
    for (const key of contactKeys) {
      const rows = result.find(key);
      if (Array.isArray(rows) && rows.length > 0) {
        contact = rows[0] as BitrixContact;
        break;
      }
    }
    const users = result.find('responsible');
    const responsible = Array.isArray(users) ? ((users as BitrixUser[]).find((u) => String(u.ID) === String(input.responsibleBitrixId)) ?? null) : null;
    const current = result.find('defaultResponsible') as BitrixUser | undefined;
    return { contact, responsible, defaultResponsible: current && typeof current === 'object' && current.ID ? current : null };
  }

  /**
   * One `batch` of `disk.storage.uploadfile` (the same parameters as BitrixDisk.uploadFile). Returns the Disk
   * object IDs in order; if some uploads fail, throws BitrixDiskPartialUploadError with the IDs that did succeed.
   */
  async uploadToDisk(files: DecodedAttachment[]): Promise<number[]> {
    if (!files.length) return [];
    const commands: Record<string, BitrixCommand<BitrixDiskFile>> = {};
    files.forEach((file, i) => {
      commands[`f${i}`] = bitrixCommand<BitrixDiskFile>('disk.storage.uploadfile', {
        id: this.config.bitrix.diskStorageId,
        data: { NAME: file.filename },
        fileContent: [file.filename, file.bytes.toString('base64')],
        generateUniqueName: true,
      });
    });
    const result = await this.client.batch(commands);
    const ids: number[] = [];
    let firstError: BitrixError | null = null;
    files.forEach((_file, i) => {
      const error = result.errors[`f${i}`];
      const uploaded = result.find(`f${i}`);
      if (uploaded && !error) ids.push(Number(uploaded.ID));
      else firstError ??= error ?? new BitrixApiError({ method: 'disk.storage.uploadfile', code: 'BATCH_COMMAND_NOT_EXECUTED' });
    });
    if (firstError) throw new BitrixDiskPartialUploadError(firstError, ids);
    return ids;
  }

  /**
   * One `batch` (halt on error): the contact when it does not exist yet, the deal bound to it through
   * `$result[contact]`, and a read-back of the deal through `$result[deal]`.
   */
  async createDeal(fields: BitrixDealFields, newContact: BitrixContactInput | null, existingContactId: number | null): Promise<CreatedBitrixDeal> {
    const commands: Record<string, BitrixCommand<unknown>> = {};
    const dealFields: BitrixDealFields = { ...fields };
    if (newContact) {
      commands.contact = this.contacts.addCommand(newContact);
      dealFields.CONTACT_ID = '$result[contact]';
    } else if (existingContactId) {
      dealFields.CONTACT_ID = existingContactId;
    }
    commands.deal = this.deals.addCommand(dealFields);
    commands.read = bitrixCommand<BitrixDeal>('crm.deal.get', { id: '$result[deal]' });
    const result = await this.client.batch(commands, { halt: true });
    const bitrixContactId = newContact ? Number(result.get('contact')) : existingContactId;
    const bitrixDealId = Number(result.get('deal'));
    const read = result.find('read');
    const deal = read && typeof read === 'object' ? (read as BitrixDeal) : null;
    if (!deal) this.logger.warn(`Deal ${bitrixDealId} was created but its read-back failed; mirroring from the request`);
    return { bitrixDealId, bitrixContactId: bitrixContactId ?? null, deal };
  }

  /** One `batch`: moves the deal to the won stage with the rating fields, then reads it back. */
  async closeDeal(bitrixDealId: number, input: { rating: number | null; comment: string | null; closedAt: Date }): Promise<BitrixDeal | null> {
    const result = await this.client.batch(
      {
        update: this.deals.updateCommand(bitrixDealId, this.fieldMap.toBitrixCloseFields(input)),
        read: this.deals.getCommand(bitrixDealId),
      },
      { halt: true },
    );
    result.get('update');
    return result.find('read') ?? null;
  }

  /** One `batch`: the timeline comment with its files, and a read-back for the Bitrix file IDs. */
  async addComment(bitrixDealId: number, comment: string, files: DecodedAttachment[]): Promise<CreatedBitrixComment> {
    const result = await this.client.batch(
      {
        comment: this.timeline.addCommand({ bitrixDealId, comment, files: files.map((f) => ({ name: f.filename, bytes: f.bytes })) }),
        read: bitrixCommand<BitrixTimelineComment>('crm.timeline.comment.get', { id: '$result[comment]' }),
      },
      { halt: true },
    );
    const commentId = Number(result.get('comment'));
    const read = result.find('read');
    return { commentId, fileIds: matchCommentFiles(files, read?.FILES) };
  }

  /**
   * `crm.activity.add` of an outgoing e-mail (sending or not, per `deliverThroughBitrix`); with files, in one
   * `batch` with a read-back of their Bitrix file IDs, so the webhook's re-read finds them mirrored already.
   */
  async recordEmail(input: BitrixEmailActivityInput): Promise<CreatedBitrixActivity> {
    if (!input.files?.length) return { activityId: await this.activities.addEmail(input), fileIds: [] };
    const result = await this.client.batch(
      {
        add: this.activities.addEmailCommand(input),
        read: bitrixCommand<BitrixActivity[]>('crm.activity.list', { filter: { ID: '$result[add]' }, select: ['ID', 'FILES'] }),
      },
      { halt: true },
    );
    const activityId = Number(result.get('add'));
    const read = result.find('read');
    const rows = Array.isArray(read) ? read : read && typeof read === 'object' ? Object.values(read as Record<string, BitrixActivity>) : [];
    const stored = rows.find((a) => Number(a.ID) === activityId)?.FILES ?? [];
    // Activity FILES carry no names: they come in the order they were sent.
    const fileIds = input.files.map((_, i) => {
      const id = Number(stored[i]?.id);
      return Number.isFinite(id) ? id : null;
    });
    return { activityId, fileIds };
  }

  /** Compensation after a local failure; never throws. */
  async deleteDealQuietly(bitrixDealId: number): Promise<void> {
    try {
      await this.deals.delete(bitrixDealId);
    } catch (error) {
      this.logger.error(`Could not delete Bitrix deal ${bitrixDealId} after a failed ticket creation: ${(error as Error).message}`);
    }
  }

  /**
   * Compensation after a failed ticket creation: the Disk files it uploaded go to the portal's trash
   * (`disk.file.markdeleted`, restorable by an admin). Never throws; returns the IDs it could not trash.
   */
  async trashDiskFilesQuietly(diskFileIds: number[]): Promise<number[]> {
    const left: number[] = [];
    for (const id of diskFileIds) {
      try {
        await this.client.call('disk.file.markdeleted', { id });
      } catch (error) {
        left.push(id);
        this.logger.error(`Could not move Bitrix Disk file ${id} to the trash after a failed ticket creation: ${(error as Error).message}`);
      }
    }
    return left;
  }

  /** Compensation after a failed SMTP delivery; never throws. */
  async deleteActivityQuietly(activityId: number): Promise<void> {
    try {
      await this.client.call<boolean>('crm.activity.delete', { id: activityId });
    } catch (error) {
      this.logger.error(`Could not delete Bitrix activity ${activityId} after a failed e-mail: ${(error as Error).message}`);
    }
  }
}

/** Comment FILES come keyed by file id (PHP `[]` when empty): match them to what we sent by name, else by order. */
function matchCommentFiles(sent: DecodedAttachment[], raw: BitrixTimelineComment['FILES']): (number | null)[] {
  const stored: BitrixTimelineCommentFile[] = !raw ? [] : Array.isArray(raw) ? raw : Object.values(raw);
  const unused = [...stored];
  return sent.map((file, i) => {
    const byName = unused.findIndex((s) => s.name === file.filename);
    const picked = byName >= 0 ? unused.splice(byName, 1)[0] : (stored[i] ?? null);
    const id = picked ? Number(picked.id) : NaN;
    return Number.isFinite(id) ? id : null;
  });
}
