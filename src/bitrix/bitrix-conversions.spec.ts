import {
  bbCodeToText,
  extractEmail,
  extractEmails,
  fromBitrixDate,
  htmlToText,
  timeZoneOffsetMinutes,
  toBitrixDate,
  toBitrixDateTime,
  toIdString,
  toLegacyDateTimeString,
  toYesNoOrNull,
  yesNoToBoolean,
} from './bitrix-conversions';

describe('dates', () => {
  it('parses ISO with offset', () => {
    expect(fromBitrixDate('2024-08-30T14:29:05+02:00')?.toISOString()).toBe('2024-08-30T12:29:05.000Z');
    expect(fromBitrixDate('2024-08-30T14:29:05Z')?.toISOString()).toBe('2024-08-30T14:29:05.000Z');
  });

  it('reads legacy shapes in the portal time zone', () => {
    expect(fromBitrixDate('2024-08-29 10:30:11', 'America/Sao_Paulo')?.toISOString()).toBe('2024-08-29T13:30:11.000Z');
    expect(fromBitrixDate('24.08.2023 13:19:39', 'America/Sao_Paulo')?.toISOString()).toBe('2023-08-24T16:19:39.000Z');
    expect(fromBitrixDate('2024-01-15', 'UTC')?.toISOString()).toBe('2024-01-15T00:00:00.000Z');
  });

  it('gives null for empty or garbage', () => {
    expect(fromBitrixDate('')).toBeNull();
    expect(fromBitrixDate(null)).toBeNull();
    expect(fromBitrixDate('yesterday')).toBeNull();
  });

  it('writes ISO with the portal offset, and portal-local days', () => {
    const d = new Date('2024-01-16T02:30:00.789Z');
    expect(toBitrixDateTime(d, 'America/Sao_Paulo')).toBe('2024-01-15T23:30:00-03:00');
    expect(toBitrixDateTime(d, 'UTC')).toBe('2024-01-16T02:30:00+00:00');
    expect(toBitrixDate(d, 'America/Sao_Paulo')).toBe('2024-01-15');
    expect(fromBitrixDate(toBitrixDateTime(d))?.getTime()).toBe(new Date('2024-01-16T02:30:00Z').getTime());
    expect(timeZoneOffsetMinutes('Asia/Kolkata', d)).toBe(330);
  });

  it('keeps the seed last_communication_time shape', () => {
    expect(toLegacyDateTimeString('2024-01-15T11:45:30-03:00')).toBe('2024-01-15 11:45:30');
    // Always the portal's zone: another offset (or UTC) is converted, a zone-less value is kept as it is.
    expect(toLegacyDateTimeString('2024-01-15T17:45:30+03:00')).toBe('2024-01-15 11:45:30');
    expect(toLegacyDateTimeString('2024-01-15T14:45:30Z')).toBe('2024-01-15 11:45:30');
    expect(toLegacyDateTimeString('2024-01-15T14:45:30.000Z', 'UTC')).toBe('2024-01-15 14:45:30');
    expect(toLegacyDateTimeString('2024-01-15 11:45:30')).toBe('2024-01-15 11:45:30');
    expect(toLegacyDateTimeString(null)).toBeNull();
  });
});

describe('flags and ids', () => {
  it('Y/N ↔ boolean', () => {
    expect(yesNoToBoolean('Y')).toBe(true);
    expect(yesNoToBoolean('N')).toBe(false);
    expect(yesNoToBoolean(true)).toBe(true);
    expect(toYesNoOrNull('1')).toBe('Y');
    expect(toYesNoOrNull(null)).toBeNull();
  });

  it('ids', () => {
    expect(toIdString('410')).toBe('410');
    expect(toIdString(410)).toBe('410');
    expect(toIdString(['7'])).toBe('7');
    expect(toIdString('0')).toBeNull();
    expect(toIdString(null)).toBeNull();
  });
});

describe('e-mail and text helpers', () => {
  it('extracts addresses', () => {
    expect(extractEmail('"Maria Santos" <Maria@Carvalima.com>')).toBe('maria@carvalima.com');
    expect(extractEmail('suporte@carvalima.com')).toBe('suporte@carvalima.com');
    expect(extractEmail('nobody')).toBeNull();
    expect(extractEmails('a@x.com, "B" <b@y.com>; a@x.com')).toEqual(['a@x.com', 'b@y.com']);
  });

  it('renders HTML as text', () => {
    expect(htmlToText('Informa&ccedil;&atilde;o &Eacute; &hellip;')).toBe('Informação É …');
    expect(htmlToText('<style>p{}</style><p>Olá&nbsp;<b>Maria</b></p><p>linha&#32;2<br>fim &amp; &lt;ok&gt; &#x41;</p>')).toBe('Olá Maria\nlinha 2\nfim & <ok> A');
  });

  it('strips bb-code', () => {
    expect(bbCodeToText('[B]Oi[/B] [USER=1]Ana[/USER] [URL=https://x]link[/URL][DISK FILE ID=n5]')).toBe('Oi Ana link');
  });
});
