import { changedProperties, dealChanges, sameAtBitrixPrecision, toBitrixPrecision } from './deal-changes';
import type { Deal } from './entities/deal.entity';

describe('sameAtBitrixPrecision', () => {
  it('takes two instants in the same second as the same time (Bitrix keeps whole seconds)', () => {
    expect(sameAtBitrixPrecision(new Date('2026-12-02T10:00:00.870Z'), new Date('2026-12-02T10:00:00.000Z'))).toBe(true);
    expect(sameAtBitrixPrecision(new Date('2026-12-02T10:00:00.999Z'), new Date('2026-12-02T10:00:01.000Z'))).toBe(false);
  });

  it('compares a date with its ISO text, numbers by value, and null with undefined', () => {
    expect(sameAtBitrixPrecision(new Date('2026-12-02T10:00:00Z'), '2026-12-02T07:00:00-03:00')).toBe(true);
    expect(sameAtBitrixPrecision(5, '5')).toBe(true);
    expect(sameAtBitrixPrecision(null, undefined)).toBe(true);
    expect(sameAtBitrixPrecision(null, new Date(0))).toBe(false);
    expect(sameAtBitrixPrecision('Alto', 'alto')).toBe(false);
  });
});

describe('changedProperties', () => {
  it('lists only the given properties whose value changed', () => {
    const before = { title: 'A', closeDate: new Date('2026-12-02T10:00:00.400Z'), rating: null as number | null };
    expect(changedProperties(before, { title: 'A', closeDate: new Date('2026-12-02T10:00:00Z') })).toEqual([]);
    expect(changedProperties(before, { title: 'B', rating: 5 })).toEqual(['title', 'rating']);
  });
});

describe('dealChanges (the changes of deal_updated)', () => {
  const before: Partial<Deal> = {
    stageId: 'C19:NEW',
    closed: 'N',
    closeDate: null,
    dateDeadline: new Date('2026-12-02T14:00:00.123Z'),
    rating: null,
    modifyById: '1',
    responsibleId: 7,
    bitrixModifiedAt: new Date('2026-12-02T10:00:00Z'),
  };

  it('names the SPA fields that changed, in API names, dates as ISO text', () => {
    const after: Partial<Deal> = { ...before, stageId: 'C19:WON', closed: 'Y', closeDate: new Date('2026-12-02T12:00:00Z'), rating: 5 };
    expect(dealChanges(before, after)).toEqual({ stage_id: 'C19:WON', closed: 'Y', close_date: '2026-12-02T12:00:00.000Z', rating: 5 });
  });

  it('is empty for the echo of a time written with milliseconds', () => {
    expect(dealChanges(before, { ...before, dateDeadline: new Date('2026-12-02T14:00:00Z') })).toEqual({});
  });

  it('leaves out internal columns, however they changed', () => {
    expect(dealChanges(before, { ...before, modifyById: '42', responsibleId: 9, bitrixModifiedAt: new Date() })).toEqual({});
  });

  it('tells that a ticket was deleted', () => {
    expect(dealChanges({ deletedAt: null }, { deletedAt: new Date('2026-12-02T12:00:00Z') })).toEqual({ deleted_at: '2026-12-02T12:00:00.000Z' });
  });
});

describe('toBitrixPrecision', () => {
  it('cuts a time to its whole second', () => {
    expect(toBitrixPrecision(new Date('2026-12-02T10:00:00.999Z')).toISOString()).toBe('2026-12-02T10:00:00.000Z');
  });
});
