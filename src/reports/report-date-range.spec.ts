import { parseReportBound, resolveReportRange } from './report-date-range';
import { slaReportFilename } from './reports.service';

describe('parseReportBound', () => {
  it.each([
    ['2026-01-31', '2026-01-31T00:00:00.000Z', true],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', true],
    ['2026-01-31T18:30', '2026-01-31T18:30:00.000Z', false],
    ['2026-01-31T18:30:15Z', '2026-01-31T18:30:15.000Z', false],
    ['2026-01-31T18:30:15.250Z', '2026-01-31T18:30:15.250Z', false],
    ['2026-01-31T20:00:00-04:00', '2026-02-01T00:00:00.000Z', false],
    ['2026-01-31T20:00:00+0300', '2026-01-31T17:00:00.000Z', false],
  ])('reads %s', (value, instant, dateOnly) => {
    expect(parseReportBound(value)).toEqual({ instant: new Date(instant), dateOnly });
  });

  it.each(['', 'ontem', '2026-02-30', '2025-02-29', '2026-13-01', '2026-1-5', '2026-01-31T24:00:00Z', '2026-01-31T10:60', '31/01/2026', '1738281600000'])(
    'rejects %j',
    (value) => {
      expect(parseReportBound(value)).toBeNull();
    },
  );

  it('rejects non-strings (repeated query parameters arrive as arrays)', () => {
    expect(parseReportBound(['2026-01-01', '2026-01-02'])).toBeNull();
    expect(parseReportBound(undefined)).toBeNull();
  });
});

describe('resolveReportRange', () => {
  const bound = (value: string) => parseReportBound(value);

  it('makes a date-only `to` cover its whole day', () => {
    expect(resolveReportRange(bound('2026-01-01'), bound('2026-01-31'))).toEqual({
      fromInclusive: new Date('2026-01-01T00:00:00Z'),
      toExclusive: new Date('2026-02-01T00:00:00Z'),
      toInclusive: null,
    });
  });

  it('keeps an instant `to` inclusive', () => {
    expect(resolveReportRange(null, bound('2026-01-31T12:00:00Z'))).toEqual({
      fromInclusive: null,
      toExclusive: null,
      toInclusive: new Date('2026-01-31T12:00:00Z'),
    });
  });

  it('accepts from = to and refuses from after to', () => {
    expect(resolveReportRange(bound('2026-01-31'), bound('2026-01-31'))).not.toBeNull();
    expect(resolveReportRange(bound('2026-01-31T23:59:59Z'), bound('2026-01-31'))).not.toBeNull();
    expect(resolveReportRange(bound('2026-02-01'), bound('2026-01-31'))).toBeNull();
    expect(resolveReportRange(bound('2026-01-31T12:00:01Z'), bound('2026-01-31T12:00:00Z'))).toBeNull();
  });
});

describe('slaReportFilename', () => {
  it('names the period, with only safe characters', () => {
    expect(slaReportFilename('2026-01-01', '2026-01-31')).toBe('sla-report-2026-01-01-2026-01-31.csv');
    expect(slaReportFilename('2026-01-01T10:00:00-04:00', undefined)).toBe('sla-report-2026-01-01T100000-0400-hoje.csv');
    expect(slaReportFilename(undefined, undefined)).toBe('sla-report-inicio-hoje.csv');
  });
});
