import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { bitrixCommand } from './bitrix-batch';
import { BitrixFieldMap, BitrixFieldMapConfig } from './bitrix-field-map';
import { BitrixClient } from './bitrix.client';
import { BitrixError } from './bitrix.errors';

/** `BITRIX_PORTAL_CHECK` (see AppConfig.bitrix.portalCheck). */
export type BitrixPortalCheckMode = NonNullable<AppConfig['bitrix']['portalCheck']>;

/** `crm.deal.fields` entry, as far as the check reads it. */
export interface PortalFieldDescription {
  type?: string;
  items?: Array<{ ID?: unknown; VALUE?: unknown }>;
}

/** What the portal says, as the check reads it (null: not known, e.g. the command failed). */
export interface PortalFacts {
  dealFields: Record<string, PortalFieldDescription>;
  /** STATUS_IDs of the helpdesk pipeline (crm.status.list of DEAL_STAGE / DEAL_STAGE_<id>). */
  stageIds: string[] | null;
  /** disk.storage.get of the configured storage: true found, false not found, null unknown. */
  storageFound: boolean | null;
  /** disk.storage.getlist: `ID (NAME)` of each storage, for the message. */
  storages: string[];
}

/** One line per configured value the portal does not have; empty when everything matches. */
export function findPortalMismatches(map: Readonly<BitrixFieldMapConfig>, storageId: string, facts: PortalFacts): string[] {
  const problems: string[] = [];
  const fieldNames = new Map(Object.keys(facts.dealFields).map((code) => [code.toUpperCase(), code]));
  for (const [name, code] of Object.entries(map.fields)) {
    if (code === null) continue;
    if (!fieldNames.has(code.toUpperCase())) problems.push(`campo "${name}" → ${code} não existe no portal (crm.deal.fields)`);
  }
  for (const [name, items] of Object.entries(map.enums) as Array<[string, Record<string, string> | null]>) {
    if (!items) continue;
    const code = (map.fields as Record<string, string | null>)[name];
    const actual = code ? fieldNames.get(code.toUpperCase()) : undefined;
    if (!code || !actual) continue; // already reported above (or not mapped)
    const description = facts.dealFields[actual];
    if (description.type !== 'enumeration') {
      problems.push(`campo "${name}" → ${code} tem tipo "${description.type ?? '?'}" no portal, mas o mapa lista itens de enumeração`);
      continue;
    }
    const portalItems = new Map((description.items ?? []).map((item) => [String(item.ID), String(item.VALUE ?? '')]));
    for (const [label, id] of Object.entries(items)) {
      if (portalItems.has(String(id))) continue;
      const sameLabel = [...portalItems].find(([, value]) => fold(value) === fold(label));
      const hint = sameLabel ? ` (no portal "${sameLabel[1]}" é o item ${sameLabel[0]})` : '';
      problems.push(`campo "${name}" → ${code}: "${label}" = ${id} não é item da enumeração${hint}`);
    }
  }
  if (facts.stageIds) {
    const known = new Set(facts.stageIds);
    for (const [name, stage] of Object.entries(map.category.stages)) {
      if (!known.has(stage)) problems.push(`etapa "${name}" → ${stage} não existe no funil ${map.category.id} (crm.status.list)`);
    }
  }
  if (facts.storageFound === false) {
    const available = facts.storages.length > 0 ? `; disponíveis: ${facts.storages.join(', ')}` : '';
    problems.push(`BITRIX_DISK_STORAGE_ID=${storageId} não existe no portal (disk.storage.get)${available}`);
  }
  return problems;
}

const fold = (text: string): string => text.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();

export class BitrixPortalMismatchError extends Error {
  constructor(readonly problems: string[]) {
    super(`O mapeamento do Bitrix24 não corresponde ao portal (BITRIX_PORTAL_CHECK=strict):\n- ${problems.join('\n- ')}`);
    this.name = 'BitrixPortalMismatchError';
  }
}

/**
 * At start-up, checks the configured UF_* codes and enumeration item ids against `crm.deal.fields`, the pipeline's
 * stages against `crm.status.list`, and the Disk storage against `disk.storage.get` (one `batch` call). Each
 * mismatch is logged as an error naming the field and value; `strict` then refuses to start. A portal that cannot
 * be reached is logged as a warning and does not stop the start.
 */
@Injectable()
export class BitrixPortalCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger(BitrixPortalCheck.name);
  readonly mode: BitrixPortalCheckMode;

  constructor(
    private readonly client: BitrixClient,
    private readonly fieldMap: BitrixFieldMap,
    private readonly config: AppConfig,
  ) {
    this.mode = config.bitrix.portalCheck ?? (config.nodeEnv === 'test' ? 'strict' : 'warn');
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.mode === 'off') return;
    if (this.mode === 'warn') {
      // Never delays the start: the result is logged when it arrives.
      void this.run().catch((e: unknown) => this.logger.error(`Bitrix portal check failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const problems = await this.run();
    if (problems && problems.length > 0) throw new BitrixPortalMismatchError(problems);
  }

  /** Fetches the portal's facts and logs the outcome; null when the portal could not be asked. */
  async run(): Promise<string[] | null> {
    const facts = await this.fetchFacts();
    if (!facts) return null;
    const problems = findPortalMismatches(this.fieldMap.config, this.config.bitrix.diskStorageId, facts);
    for (const problem of problems) this.logger.error(`Bitrix24: ${problem}`);
    if (problems.length === 0) this.logger.log('Bitrix24: campos, enumerações, etapas e armazenamento do Disk conferem com o portal');
    return problems;
  }

  private async fetchFacts(): Promise<PortalFacts | null> {
    const categoryId = this.fieldMap.categoryId;
    const commands = {
      fields: bitrixCommand<Record<string, PortalFieldDescription>>('crm.deal.fields'),
      stages: bitrixCommand<Array<{ STATUS_ID?: unknown }>>('crm.status.list', { filter: { ENTITY_ID: categoryId === 0 ? 'DEAL_STAGE' : `DEAL_STAGE_${categoryId}` } }),
      storage: bitrixCommand<unknown>('disk.storage.get', { id: this.config.bitrix.diskStorageId }),
      storages: bitrixCommand<Array<{ ID?: unknown; NAME?: unknown }>>('disk.storage.getlist'),
    };
    let batch;
    try {
      // Strict mode waits for this: one attempt, so an unreachable portal does not hold the start for the retry budget.
      batch = await this.client.batch(commands, this.mode === 'strict' ? { maxRetries: 0, timeoutMs: 10_000 } : {});
    } catch (e) {
      this.logger.warn(`Bitrix24: não foi possível conferir o mapeamento com o portal (${e instanceof BitrixError ? e.code || e.name : 'erro'}); seguindo sem a conferência`);
      return null;
    }
    const fields = batch.find('fields');
    if (!fields || typeof fields !== 'object') {
      this.logger.warn(`Bitrix24: crm.deal.fields falhou (${batch.errors.fields?.code ?? 'sem resposta'}); mapeamento não conferido`);
      return null;
    }
    const stages = batch.find('stages');
    const storageError = batch.errors.storage;
    const storageFound = batch.has('storage') ? true : storageError && isNotFound(storageError) ? false : null;
    if (storageFound === null) this.logger.warn(`Bitrix24: disk.storage.get falhou (${storageError?.code ?? 'sem resposta'}); armazenamento não conferido`);
    const storages = (batch.find('storages') ?? []).map((s) => `${String(s.ID)} (${String(s.NAME ?? '')})`);
    return {
      dealFields: fields,
      stageIds: Array.isArray(stages) ? stages.map((s) => String(s.STATUS_ID)) : null,
      storageFound,
      storages,
    };
  }
}

function isNotFound(error: BitrixError): boolean {
  return error.name === 'BitrixNotFoundError' || /NOT_FOUND/i.test(error.code ?? '') || /not found|could not find/i.test(error.description ?? '');
}
