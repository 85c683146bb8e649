import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BitrixFieldMap, BitrixFieldMapError, BitrixMappingError, DEFAULT_BITRIX_FIELD_MAP, deepMerge, loadFieldMapConfig } from './bitrix-field-map';
import { BitrixDeal } from './bitrix.types';
import { slaDeadlineFor } from './ticket-sla';

const map = new BitrixFieldMap();
const tmp = mkdtempSync(join(tmpdir(), 'bitrix-field-map-'));

describe('field map loading', () => {
  it('uses the seed defaults', () => {
    const config = loadFieldMapConfig();
    expect(config.fields.priority).toBe('UF_CRM_1701707001');
    expect(config.fields.serviceCategory).toBe('UF_CRM_1701706961');
    expect(config.fields.systemType).toBe('UF_CRM_1701706933');
    expect(config.fields.assigneeDepartment).toBe('UF_CRM_1736515084');
    expect(config.enums.priority).toEqual({ Crítico: '1557', Alto: '1559', Médio: '1561', Baixo: '1563' });
    expect(config.category).toEqual({ id: 19, stages: { new: 'C19:NEW', won: 'C19:WON', lose: 'C19:LOSE' } });
  });

  it('deep-merges a file, then inline JSON over it', () => {
    const file = join(tmp, 'map.json');
    writeFileSync(file, JSON.stringify({ fields: { matricula: 'UF_CRM_999' }, enums: { priority: { Alto: 42 } }, category: { id: 7, stages: { new: 'C7:NEW', won: 'C7:WON', lose: 'C7:LOSE' } } }));
    const config = loadFieldMapConfig(file, JSON.stringify({ fields: { cpf: null }, enums: { serviceCategory: { 'Acessos e Permissões': '2001' } } }));
    expect(config.fields.matricula).toBe('UF_CRM_999');
    expect(config.fields.priority).toBe('UF_CRM_1701707001');
    expect(config.fields.cpf).toBeNull();
    expect(config.enums.priority.Alto).toBe(42);
    expect(config.enums.priority.Baixo).toBe('1563');
    expect(config.category.id).toBe(7);
    const m = new BitrixFieldMap(config);
    expect(m.priorityId('Alto')).toBe('42');
    expect(m.toBitrixDealFields({ serviceCategory: 'acessos e permissoes' })).toEqual({ UF_CRM_1701706961: '2001' });
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['unknown key', JSON.stringify({ feilds: {} }), /unknown key\(s\) feilds/],
    ['bad field id', JSON.stringify({ fields: { priority: 'uf crm' } }), /fields.priority/],
    ['priority null', JSON.stringify({ fields: { priority: null } }), /fields.priority/],
    ['duplicated field', JSON.stringify({ fields: { cpf: 'UF_CRM_1701707001' } }), /both use UF_CRM_1701707001/],
    ['stage of another pipeline', JSON.stringify({ category: { id: 20 } }), /must start with "C20:"/],
    ['unknown priority label', JSON.stringify({ enums: { priority: { Urgente: '1' } } }), /unknown label "Urgente"/],
    ['bad enum id', JSON.stringify({ enums: { systemType: { ERP: 'abc' } } }), /enums.systemType\["ERP"\]/],
    ['bad time zone', JSON.stringify({ timeZone: 'Mars/Olympus' }), /timeZone/],
  ])('rejects %s with a clear message', (_name, json, pattern) => {
    expect(() => loadFieldMapConfig(undefined, json)).toThrow(BitrixFieldMapError);
    expect(() => loadFieldMapConfig(undefined, json)).toThrow(pattern);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadFieldMapConfig(join(tmp, 'missing.json'))).toThrow(/BITRIX_FIELD_MAP_FILE=.*missing.json.*ENOENT/);
  });

  it('fromAppConfig reads config.bitrix', () => {
    const m = BitrixFieldMap.fromAppConfig({ bitrix: { fieldMapJson: '{"fields":{"rating":"UF_CRM_5"}}' } as never });
    expect(m.field('rating')).toBe('UF_CRM_5');
  });

  it('deepMerge replaces arrays and scalars, merges objects', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null })).toEqual({ a: { b: 1, c: [3] }, d: null });
  });
});

describe('ticket → deal fields', () => {
  const now = new Date('2024-01-15T13:30:00Z');

  it('builds the create fields with pipeline, stage, priority enum and SLA deadline', () => {
    const fields = map.toBitrixDealFields(
      {
        title: 'Sistema travando',
        description: 'Ao clicar...',
        priority: 'Alto',
        serviceCategory: 'Sistema Financeiro',
        systemType: 'ERP',
        assigneeDepartment: 'TI',
        requesterDepartment: 'Financeiro',
        matricula: '87654321',
        requesterEmail: 'maria@carvalima.com',
        requesterName: 'Maria Santos',
        requesterPhone: '+55 11 91234-5678',
        filial: 'Filial São Paulo',
        cpf: '52998224725',
        responsibleBitrixId: '42',
        bitrixContactId: 20001,
      },
      { create: true, now },
    );
    expect(fields).toEqual({
      CATEGORY_ID: 19,
      STAGE_ID: 'C19:NEW',
      OPENED: 'Y',
      BEGINDATE: '2024-01-15',
      TITLE: 'Sistema travando',
      COMMENTS: 'Ao clicar...',
      UF_CRM_1701707001: '1559',
      UF_CRM_1701707028: '2024-01-15T14:30:00-03:00',
      UF_CRM_1701706961: 'Sistema Financeiro',
      UF_CRM_1701706933: 'ERP',
      UF_CRM_1736515084: 'TI',
      UF_CRM_1701706905: 'Financeiro',
      UF_CRM_1701706917: 'Filial São Paulo',
      UF_CRM_1701706872: '87654321',
      UF_CRM_1701706884: 'maria@carvalima.com',
      UF_CRM_1701706858: 'Maria Santos',
      UF_CRM_1701706893: '+55 11 91234-5678',
      UF_CRM_1701706925: '52998224725',
      ASSIGNED_BY_ID: 42,
      CONTACT_ID: 20001,
    });
  });

  it('writes only what is given on update', () => {
    expect(map.toBitrixDealFields({ priority: 'critico' })).toEqual({ UF_CRM_1701707001: '1557' });
    expect(map.toBitrixDealFields({ title: 'x', description: null })).toEqual({ TITLE: 'x', COMMENTS: '' });
  });

  it('rejects an unknown priority with a 400', () => {
    expect(() => map.toBitrixDealFields({ priority: 'Urgente' })).toThrow(BitrixMappingError);
    expect(() => map.toBitrixDealFields({ title: 'x' }, { create: true })).toThrow(BitrixMappingError);
  });

  it('close fields: won stage, close date, rating', () => {
    expect(map.toBitrixCloseFields({ rating: 5, comment: 'Ótimo', closedAt: now })).toEqual({
      STAGE_ID: 'C19:WON',
      CLOSEDATE: '2024-01-15',
      UF_CRM_1736515121: 5,
      UF_CRM_1736515143: 'Ótimo',
    });
    expect(() => map.toBitrixCloseFields({ rating: 6 })).toThrow(BitrixMappingError);
  });

  it('skips fields disabled with null', () => {
    const m = new BitrixFieldMap({ ...DEFAULT_BITRIX_FIELD_MAP, fields: { ...DEFAULT_BITRIX_FIELD_MAP.fields, cpf: null } });
    expect(m.toBitrixDealFields({ cpf: '123' })).toEqual({});
  });
});

describe('deal → local snapshot', () => {
  const raw: BitrixDeal = {
    ID: '837',
    TITLE: 'Sistema travando',
    STAGE_ID: 'C19:WON',
    CATEGORY_ID: '19',
    OPENED: 'Y',
    CLOSED: 'Y',
    COMMENTS: '[B]Ao clicar[/B]',
    ASSIGNED_BY_ID: '42',
    CREATED_BY_ID: '5',
    MODIFY_BY_ID: '42',
    MOVED_BY_ID: '42',
    MOVED_TIME: '2024-01-15T15:00:00-03:00',
    LAST_ACTIVITY_BY: '42',
    LAST_ACTIVITY_TIME: '2024-01-15T11:45:30-03:00',
    DATE_CREATE: '2024-01-15T10:30:00-03:00',
    DATE_MODIFY: '2024-01-15T15:00:00-03:00',
    BEGINDATE: '2024-01-15T00:00:00-03:00',
    CLOSEDATE: '2024-01-15T00:00:00-03:00',
    CONTACT_ID: '20001',
    UF_CRM_1701707001: '1559',
    UF_CRM_1701706961: 'Sistema Financeiro',
    UF_CRM_1701706933: 'ERP',
    UF_CRM_1736515084: 'TI',
    UF_CRM_1701706905: 'Financeiro',
    UF_CRM_1701706872: '87654321',
    UF_CRM_1701706884: 'maria@carvalima.com',
    UF_CRM_1701707028: '2024-01-15T14:30:00-03:00',
    UF_CRM_1736515121: '5',
    UF_CRM_1736515143: 'Ótimo',
    UF_CRM_1701706858: 'Maria Santos',
  };

  it('maps every column of the seed table', () => {
    expect(map.fromBitrixDeal(raw)).toEqual({
      bitrixDealId: 837,
      title: 'Sistema travando',
      description: '[B]Ao clicar[/B]',
      stageId: 'C19:WON',
      opened: 'Y',
      closed: 'Y',
      createdById: '5',
      modifyById: '42',
      movedById: '42',
      lastActivityById: '42',
      lastCommunicationTime: '2024-01-15 11:45:30',
      closeDate: new Date('2024-01-15T18:00:00Z'),
      dateDeadline: new Date('2024-01-15T17:30:00Z'),
      beginDate: new Date('2024-01-15T03:00:00Z'),
      requesterDepartment: 'Financeiro',
      assigneeDepartment: 'TI',
      serviceCategory: 'Sistema Financeiro',
      systemType: 'ERP',
      priority: 'Alto',
      matricula: '87654321',
      requesterEmail: 'maria@carvalima.com',
      rating: 5,
      ratingComment: 'Ótimo',
      responsibleBitrixId: '42',
      bitrixContactId: 20001,
      bitrixModifiedAt: new Date('2024-01-15T18:00:00Z'),
      createdAt: new Date('2024-01-15T13:30:00Z'),
    });
    expect(map.descriptionText(raw)).toBe('Ao clicar');
    expect(map.dealExtras(raw)).toMatchObject({ categoryId: 19, requesterName: 'Maria Santos' });
    expect(map.isHelpdeskDeal(raw)).toBe(true);
  });

  it('has no close date while open, tolerates nulls and unknown enum ids', () => {
    const snap = map.fromBitrixDeal({ ID: '1', CLOSED: 'N', CLOSEDATE: '2024-01-22T00:00:00-03:00', UF_CRM_1701707001: '9999', UF_CRM_1736515121: '0', TITLE: null });
    expect(snap.closeDate).toBeNull();
    expect(snap.priority).toBe('9999');
    expect(snap.rating).toBeNull();
    expect(snap.title).toBeNull();
    expect(snap.requesterEmail).toBeNull();
  });

  it('reads a priority stored as its label, and as a one-item array', () => {
    expect(map.fromBitrixDeal({ ID: '1', UF_CRM_1701707001: 'Médio' }).priority).toBe('Médio');
    expect(map.fromBitrixDeal({ ID: '1', UF_CRM_1701707001: ['1563'] }).priority).toBe('Baixo');
  });

  it('maps configured enumerations back to labels', () => {
    const m = new BitrixFieldMap(loadFieldMapConfig(undefined, JSON.stringify({ enums: { assigneeDepartment: { TI: '301', RH: '302' } } })));
    expect(m.fromBitrixDeal({ ID: '1', UF_CRM_1736515084: '302' }).assigneeDepartment).toBe('RH');
    expect(m.toBitrixDealFields({ assigneeDepartment: 'TI' })).toEqual({ UF_CRM_1736515084: '301' });
    expect(() => m.toBitrixDealFields({ assigneeDepartment: 'Jurídico' })).toThrow(/departamento responsável/);
  });
});

describe('slaDeadlineFor', () => {
  const from = new Date('2024-01-15T10:30:00Z');
  it.each([
    ['Crítico', 1],
    ['Alto', 4],
    ['Médio', 24],
    ['Baixo', 72],
    ['medio', 24],
  ])('%s → +%i h', (priority, hours) => {
    expect(slaDeadlineFor(priority, from).getTime() - from.getTime()).toBe(hours * 3_600_000);
  });
  it('refuses unknown priorities', () => {
    expect(() => slaDeadlineFor('Urgente', from)).toThrow();
  });
});

describe('bitrix-field-map.example.json', () => {
  it('is a valid override equal to the defaults', () => {
    const config = loadFieldMapConfig(join(__dirname, 'bitrix-field-map.example.json'));
    expect(config).toEqual(DEFAULT_BITRIX_FIELD_MAP);
  });
});
