import { Injectable } from '@nestjs/common';
import { BitrixClient, BitrixCallOptions } from './bitrix.client';
import { BitrixCommand, bitrixCommand } from './bitrix-batch';
import { toBitrixDateTime } from './bitrix-conversions';
import { BitrixFieldMap } from './bitrix-field-map';
import { BitrixError, BitrixNotFoundError } from './bitrix.errors';
import { BitrixDeal, BitrixDealFields, BitrixListParams, BitrixPage, BitrixParams } from './bitrix.types';

export interface BitrixDealWriteOptions {
  /** REGISTER_SONET_EVENT: show the change in the activity stream (default Bitrix behaviour: yes). */
  registerSonetEvent?: boolean;
}

export interface BitrixDealIterateOptions {
  filter?: BitrixParams;
  select?: string[];
  /** Only deals with DATE_MODIFY >= this instant (reconciliation). */
  modifiedSince?: Date;
  /**
   * `keyset` (default): `start=-1` and `>ID` with ID ascending, no COUNT and stable under concurrent changes
   * (reference §1.4, huge-data). `offset`: classic `start`/`next` paging.
   */
  paging?: 'keyset' | 'offset';
}

export interface BitrixDealsByIds {
  found: Map<number, BitrixDeal>;
  notFound: number[];
  /** Other per-command errors (permissions, ...). */
  failed: Map<number, BitrixError>;
}

const DEFAULT_SELECT = ['*', 'UF_*'];

/** `crm.deal.*` (reference §2.1). Ids are Bitrix deal ids (`bitrixDealId`), never internal ids. */
@Injectable()
export class BitrixDeals {
  constructor(
    private readonly client: BitrixClient,
    private readonly fieldMap: BitrixFieldMap,
  ) {}

  /** Creates a deal and returns its id. Never retried after an ambiguous failure (it could create a duplicate). */
  async add(fields: BitrixDealFields, options: BitrixDealWriteOptions = {}): Promise<number> {
    const { method, params } = this.addCommand(fields, options);
    return Number(await this.client.call<number | string>(method, params));
  }

  /** `crm.deal.add` as a batch command (e.g. after a contact add, with `CONTACT_ID: '$result[contact]'`). */
  addCommand(fields: BitrixDealFields, options: BitrixDealWriteOptions = {}): BitrixCommand<number> {
    return bitrixCommand<number>('crm.deal.add', { fields, ...sonetParams(options) });
  }

  /** The deal, or BitrixNotFoundError. */
  async get(bitrixDealId: number, options?: BitrixCallOptions): Promise<BitrixDeal> {
    return this.client.call<BitrixDeal>('crm.deal.get', { id: bitrixDealId }, options);
  }

  getCommand(bitrixDealId: number): BitrixCommand<BitrixDeal> {
    return bitrixCommand<BitrixDeal>('crm.deal.get', { id: bitrixDealId });
  }

  /** The deal, or null when Bitrix says it does not exist. */
  async find(bitrixDealId: number): Promise<BitrixDeal | null> {
    try {
      return await this.get(bitrixDealId);
    } catch (e) {
      if (e instanceof BitrixNotFoundError) return null;
      throw e;
    }
  }

  /** Writes only the given fields. */
  async update(bitrixDealId: number, fields: BitrixDealFields, options: BitrixDealWriteOptions = {}): Promise<void> {
    const { method, params } = this.updateCommand(bitrixDealId, fields, options);
    await this.client.call<boolean>(method, params);
  }

  updateCommand(bitrixDealId: number, fields: BitrixDealFields, options: BitrixDealWriteOptions = {}): BitrixCommand<boolean> {
    return bitrixCommand<boolean>('crm.deal.update', { id: bitrixDealId, fields, ...sonetParams(options) });
  }

  /** Moves the ticket to the won stage with its rating (1–5) and comment (SPEC §5 close-ticket). */
  async close(bitrixDealId: number, input: { rating?: number | null; comment?: string | null; closedAt?: Date } = {}): Promise<void> {
    await this.update(bitrixDealId, this.fieldMap.toBitrixCloseFields(input));
  }

  async delete(bitrixDealId: number): Promise<void> {
    await this.client.call<boolean>('crm.deal.delete', { id: bitrixDealId });
  }

  /** One page (≤ 50) of `crm.deal.list`. */
  async list(params: BitrixListParams = {}): Promise<BitrixPage<BitrixDeal>> {
    return this.client.listPage<BitrixDeal>('crm.deal.list', { select: DEFAULT_SELECT, ...toParams(params) });
  }

  /** Every matching deal, page by page, without holding them all in memory. */
  async *iterate(options: BitrixDealIterateOptions = {}): AsyncGenerator<BitrixDeal> {
    const filter: BitrixParams = { ...(options.filter ?? {}) };
    if (options.modifiedSince) filter['>=DATE_MODIFY'] = toBitrixDateTime(options.modifiedSince, this.fieldMap.config.timeZone);
    const select = options.select ?? DEFAULT_SELECT;
    if (options.paging === 'offset') {
      yield* this.client.listAll<BitrixDeal>('crm.deal.list', { select, filter, order: { ID: 'ASC' }, start: 0 });
      return;
    }
    let lastId = 0;
    for (;;) {
      const page = await this.client.listPage<BitrixDeal>('crm.deal.list', {
        select,
        filter: { ...filter, '>ID': lastId },
        order: { ID: 'ASC' },
        start: -1,
      });
      let advanced = false;
      for (const deal of page.items) {
        const id = Number(deal.ID);
        if (id > lastId) {
          lastId = id;
          advanced = true;
        }
        yield deal;
      }
      // Bitrix pages are 50 rows; a shorter page is the last one.
      if (page.items.length < 50 || !advanced) return;
    }
  }

  /** Collects `iterate` into an array (fine for thousands; prefer `iterate` for more). */
  async listAll(options: BitrixDealIterateOptions = {}): Promise<BitrixDeal[]> {
    const out: BitrixDeal[] = [];
    for await (const deal of this.iterate(options)) out.push(deal);
    return out;
  }

  /**
   * Reads many deals with `batch` (50 `crm.deal.get` per HTTP call): the webhook sync uses it to coalesce a
   * burst of update events into a few requests. Missing deals are reported, not thrown.
   */
  async getMany(bitrixDealIds: number[]): Promise<BitrixDealsByIds> {
    const ids = [...new Set(bitrixDealIds.filter((id) => Number.isInteger(id) && id > 0))];
    const commands: Record<string, BitrixCommand<BitrixDeal>> = {};
    for (const id of ids) commands[`d${id}`] = this.getCommand(id);
    const out: BitrixDealsByIds = { found: new Map(), notFound: [], failed: new Map() };
    if (ids.length === 0) return out;
    const result = await this.client.batchChunked(commands);
    for (const id of ids) {
      const key = `d${id}`;
      const error = result.errors[key];
      if (error instanceof BitrixNotFoundError) out.notFound.push(id);
      else if (error) out.failed.set(id, error);
      else {
        const deal = result.find(key);
        if (deal && typeof deal === 'object') out.found.set(id, deal);
        else out.notFound.push(id);
      }
    }
    return out;
  }
}

function sonetParams(options: BitrixDealWriteOptions): BitrixParams {
  return options.registerSonetEvent === undefined ? {} : { params: { REGISTER_SONET_EVENT: options.registerSonetEvent ? 'Y' : 'N' } };
}

function toParams(params: BitrixListParams): BitrixParams {
  const out: BitrixParams = {};
  if (params.select) out.select = params.select;
  if (params.filter) out.filter = params.filter;
  if (params.order) out.order = params.order;
  if (params.start !== undefined) out.start = params.start;
  return out;
}
