import { BitrixFieldMap } from '../bitrix/bitrix-field-map';
import { ticketDeadline } from '../bitrix/ticket-sla';
import { dealFieldsFromBitrix } from './deal-mirror-fields';

const HOUR = 3_600_000;

describe('ticketDeadline', () => {
  const opened = new Date('2026-12-01T12:00:00Z');

  it("keeps the portal's deadline when it has one", () => {
    const portal = new Date('2026-12-05T00:00:00Z');
    expect(ticketDeadline(portal, 'Alto', opened)).toBe(portal);
  });

  it.each([
    ['Crítico', 1],
    ['Alto', 4],
    ['Médio', 24],
    ['Baixo', 72],
  ])('applies the SLA rule for %s (+%i h) when the portal has none', (priority, hours) => {
    expect(ticketDeadline(null, priority, opened)?.getTime()).toBe(opened.getTime() + hours * HOUR);
  });

  it('is null without a known priority or opening time', () => {
    expect(ticketDeadline(null, '9999', opened)).toBeNull();
    expect(ticketDeadline(null, 'Alto', null)).toBeNull();
  });
});

describe('dealFieldsFromBitrix', () => {
  const map = new BitrixFieldMap();
  const raw = {
    ID: '900',
    TITLE: 'Impressora',
    CATEGORY_ID: '19',
    STAGE_ID: 'C19:WON',
    CLOSED: 'Y',
    ASSIGNED_BY_ID: '77',
    DATE_CREATE: '2026-12-01T09:00:00-03:00',
    MOVED_TIME: '2026-12-01T15:30:00-03:00',
    CLOSEDATE: '2026-12-01T00:00:00-03:00',
    UF_CRM_1701707001: '1559',
  };

  it('opens at DATE_CREATE, closes at the won-stage move, and gets the SLA deadline when the portal has none', () => {
    const fields = dealFieldsFromBitrix(map.fromBitrixDeal(raw), { name: 'Ana Suporte', email: 'ana@x.com', localUserId: 3 });
    expect(fields).toMatchObject({
      createdAt: new Date('2026-12-01T12:00:00Z'),
      closeDate: new Date('2026-12-01T18:30:00Z'),
      dateDeadline: new Date('2026-12-01T16:00:00Z'),
      responsible: 'Ana Suporte',
      responsibleEmail: 'ana@x.com',
      responsibleId: 3,
      responsibleBitrixId: '77',
      priority: 'Alto',
    });
  });

  it('leaves created_at alone when Bitrix sent no DATE_CREATE', () => {
    const fields = dealFieldsFromBitrix(map.fromBitrixDeal({ ID: '901', TITLE: 'x' }), null);
    expect('createdAt' in fields).toBe(false);
    expect(fields).toMatchObject({ responsible: null, responsibleId: null, dateDeadline: null });
  });
});
