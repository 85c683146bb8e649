import { Injectable } from '@nestjs/common';
import { BitrixClient } from './bitrix.client';
import { BitrixCommand, bitrixCommand } from './bitrix-batch';
import { BitrixFileUpload, toNameAndBase64 } from './bitrix-file-upload';
import { BitrixTimelineComment } from './bitrix.types';

export interface BitrixTimelineCommentInput {
  bitrixDealId: number;
  /** Text (bb-code allowed). Bitrix refuses an empty comment (INVALID_ARG_VALUE). */
  comment: string;
  files?: BitrixFileUpload[];
}

/** `crm.timeline.comment.*` on deals (reference §2.4). */
@Injectable()
export class BitrixTimelineComments {
  constructor(private readonly client: BitrixClient) {}

  /** Adds a comment (with files as `[[name, base64]]`) and returns its id. Not retried after an ambiguous failure. */
  async add(input: BitrixTimelineCommentInput): Promise<number> {
    const { method, params } = this.addCommand(input);
    return Number(await this.client.call<number | string>(method, params));
  }

  addCommand(input: BitrixTimelineCommentInput): BitrixCommand<number> {
    const fields: Record<string, string | number | string[][]> = {
      ENTITY_ID: input.bitrixDealId,
      ENTITY_TYPE: 'deal',
      COMMENT: input.comment,
    };
    if (input.files?.length) fields.FILES = input.files.map(toNameAndBase64);
    // The key must be lower-case `fields` (crm >= 23.100.0).
    return bitrixCommand<number>('crm.timeline.comment.add', { fields });
  }

  async get(commentId: number): Promise<BitrixTimelineComment> {
    return this.client.call<BitrixTimelineComment>('crm.timeline.comment.get', { id: commentId });
  }

  /** Every comment of a deal, oldest first. */
  async list(bitrixDealId: number): Promise<BitrixTimelineComment[]> {
    const out: BitrixTimelineComment[] = [];
    const rows = this.client.listAll<BitrixTimelineComment>('crm.timeline.comment.list', {
      filter: { ENTITY_ID: bitrixDealId, ENTITY_TYPE: 'deal' },
      select: ['ID', 'ENTITY_ID', 'ENTITY_TYPE', 'CREATED', 'COMMENT', 'AUTHOR_ID', 'FILES'],
      order: { ID: 'ASC' },
    });
    for await (const row of rows) out.push(row);
    return out;
  }
}
