import { Logger } from '@nestjs/common';
import { BitrixEmulator } from '../../bitrix-emulator/src';
import { BitrixPortalCheck, BitrixPortalMismatchError } from '../../src/bitrix/bitrix-portal-check';
import { bitrixConfig, bitrixTestingModule, CapturingLogger, caught, startEmulator } from './bitrix-test-kit';

/** A field map that does not match the emulated portal in every way the check knows. */
const WRONG_MAP = JSON.stringify({
  category: { stages: { won: 'C19:CONCLUIDO' } },
  fields: { matricula: 'UF_CRM_170170687', systemType: 'UF_CRM_1701706933' },
  enums: { priority: { Alto: '1600' }, systemType: { ERP: '5' } },
});

describe('BitrixPortalCheck: the field map and the Disk storage are checked against the portal at start-up', () => {
  let emulator: BitrixEmulator;
  const logs = new CapturingLogger();

  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    Logger.overrideLogger(false);
    await emulator.close();
  });
  beforeEach(() => {
    logs.lines.length = 0;
  });

  it('the default map and storage match the emulated portal: one batch call, no error', async () => {
    emulator.resetStats();
    const moduleRef = await bitrixTestingModule(bitrixConfig({ inboundUrl: emulator.inboundUrl, diskStorageId: '7' }), logs);
    try {
      expect(moduleRef.get(BitrixPortalCheck).mode).toBe('strict');
      expect(emulator.stats.byMethod).toMatchObject({ batch: 1, 'crm.deal.fields': 1, 'crm.status.list': 1, 'disk.storage.get': 1 });
      expect(logs.lines.filter((l) => l.startsWith('error'))).toEqual([]);
      expect(await moduleRef.get(BitrixPortalCheck).run()).toEqual([]);
    } finally {
      await moduleRef.close();
    }
  });

  it('strict (the default under NODE_ENV=test): a wrong field map and a wrong storage id refuse the start, naming each', async () => {
    const error = await caught(() => bitrixTestingModule(bitrixConfig({ inboundUrl: emulator.inboundUrl, diskStorageId: '4242', fieldMapJson: WRONG_MAP }), logs));
    expect(error).toBeInstanceOf(BitrixPortalMismatchError);
    const problems = (error as BitrixPortalMismatchError).problems;
    expect(problems).toEqual([
      'campo "matricula" → UF_CRM_170170687 não existe no portal (crm.deal.fields)',
      'campo "priority" → UF_CRM_1701707001: "Alto" = 1600 não é item da enumeração (no portal "Alto" é o item 1559)',
      'campo "systemType" → UF_CRM_1701706933 tem tipo "string" no portal, mas o mapa lista itens de enumeração',
      'etapa "won" → C19:CONCLUIDO não existe no funil 19 (crm.status.list)',
      'BITRIX_DISK_STORAGE_ID=4242 não existe no portal (disk.storage.get); disponíveis: 1 (Admin Portal), 7 (Documentos compartilhados)',
    ]);
    // Each one is also an error line of its own.
    for (const problem of problems) expect(logs.lines.filter((l) => l.startsWith(`error Bitrix24: ${problem} `))).toHaveLength(1);
  });

  it('warn: the app starts and each mismatch is logged as an error', async () => {
    const moduleRef = await bitrixTestingModule(bitrixConfig({ inboundUrl: emulator.inboundUrl, diskStorageId: '4242', portalCheck: 'warn' }), logs);
    try {
      const check = moduleRef.get(BitrixPortalCheck);
      expect(check.mode).toBe('warn');
      // The start did not wait; run() gives the same answer the background check logs.
      expect(await check.run()).toEqual([expect.stringContaining('BITRIX_DISK_STORAGE_ID=4242 não existe no portal')]);
      expect(logs.lines.some((l) => l.startsWith('error Bitrix24: BITRIX_DISK_STORAGE_ID=4242'))).toBe(true);
    } finally {
      await moduleRef.close();
    }
  });

  it('an unreachable portal does not hold or stop the start (one attempt, a warning)', async () => {
    const started = Date.now();
    const moduleRef = await bitrixTestingModule(bitrixConfig({ inboundUrl: 'http://127.0.0.1:9/rest/1/unreachable0000/', maxRetries: 5, retryBudgetMs: 30_000 }), logs);
    try {
      expect(Date.now() - started).toBeLessThan(5000);
      expect(logs.lines.some((l) => l.startsWith('warn Bitrix24: não foi possível conferir o mapeamento'))).toBe(true);
      expect(logs.lines.join('\n')).not.toContain('unreachable0000');
    } finally {
      await moduleRef.close();
    }
  });
});
