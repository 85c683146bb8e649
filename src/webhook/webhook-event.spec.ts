import { BadRequestException } from '@nestjs/common';
import qs from 'qs';
import { nestPhpStyleKeys, parseWebhookBody } from './webhook-event';
import { WebhookSettings } from './webhook-settings';
import { parseSyncArgs } from './sync.cli';

const form = (s: string) => qs.parse(s, { depth: 20 });

describe('parseWebhookBody', () => {
  it('reads a Bitrix outgoing-webhook form body (reference §3)', () => {
    const body = form(
      'event=ONCRMDEALADD&event_handler_id=975&data%5BFIELDS%5D%5BID%5D=7405&ts=1766047124&auth%5Bdomain%5D=x.bitrix24.com&auth%5Bapplication_token%5D=tok',
    );
    expect(parseWebhookBody(body)).toEqual({ event: 'ONCRMDEALADD', applicationToken: 'tok', kind: 'deal', bitrixId: 7405, ts: 1766047124 });
  });

  it('reads data[ID] of timeline comments and matches event names case-insensitively', () => {
    expect(parseWebhookBody(form('event=onCrmTimelineCommentAdd&data%5BID%5D=70001&auth%5Bapplication_token%5D=t'))).toMatchObject({
      event: 'ONCRMTIMELINECOMMENTADD',
      kind: 'comment',
      bitrixId: 70001,
    });
  });

  it("treats the seed's ONIMEMAILMESSAGEADD as an activity", () => {
    expect(parseWebhookBody({ event: 'ONIMEMAILMESSAGEADD', data: { FIELDS: { ID: '50010' } } })).toMatchObject({ kind: 'activity', bitrixId: 50010 });
  });

  it('folds PHP-style keys sent as JSON', () => {
    expect(nestPhpStyleKeys({ event: 'X', 'auth[application_token]': 'a', 'data[FIELDS][ID]': 3 })).toEqual({
      event: 'X',
      auth: { application_token: 'a' },
      data: { FIELDS: { ID: '3' } },
    });
  });

  it('marks unknown events and missing or bad IDs', () => {
    expect(parseWebhookBody({ event: 'ONCRMLEADADD', data: { FIELDS: { ID: '1' } } })).toMatchObject({ kind: null, bitrixId: null });
    expect(parseWebhookBody({ event: 'ONCRMDEALADD', data: { FIELDS: { ID: '1e3' } } }).bitrixId).toBeNull();
    expect(parseWebhookBody({ event: 'ONCRMDEALADD', data: { FIELDS: { ID: '0' } } }).bitrixId).toBeNull();
    // Beyond the mirror's integer columns.
    expect(parseWebhookBody({ event: 'ONCRMDEALADD', data: { FIELDS: { ID: '2147483648' } } }).bitrixId).toBeNull();
    expect(parseWebhookBody({ event: 'ONCRMDEALADD', data: { FIELDS: { ID: '2147483647' } } }).bitrixId).toBe(2147483647);
    expect(parseWebhookBody({ event: ['a'] }).event).toBe('');
    expect(() => parseWebhookBody('event=x')).toThrow(BadRequestException);
    expect(() => parseWebhookBody(null)).toThrow(BadRequestException);
  });
});

describe('WebhookSettings', () => {
  it('has defaults and names a malformed variable', () => {
    const s = WebhookSettings.fromEnv({ NODE_ENV: 'production' });
    expect(s).toMatchObject({ workers: true, reconcileCron: '*/15 * * * *', reconcileLookbackHours: 24, mirrorScope: 'all' });
    expect(WebhookSettings.fromEnv({ WEBHOOK_RECONCILE_CRON: 'off' }).reconcileCron).toBeNull();
    expect(WebhookSettings.fromEnv({ NODE_ENV: 'test' }).reconcileCron).toBeNull();
    expect(() => WebhookSettings.fromEnv({ WEBHOOK_RETRY_LIMIT: 'many' })).toThrow(/WEBHOOK_RETRY_LIMIT/);
    expect(() => WebhookSettings.fromEnv({ WEBHOOK_RECONCILE_CRON: 'hourly' })).toThrow(/WEBHOOK_RECONCILE_CRON/);
  });
});

describe('parseSyncArgs', () => {
  it('reads --since and defaults to 24 hours ago', () => {
    const now = new Date('2025-05-02T12:00:00Z');
    expect(parseSyncArgs([], now)).toEqual({ since: new Date('2025-05-01T12:00:00Z'), quiet: false });
    expect(parseSyncArgs(['--since', '2025-01-31T08:00:00-03:00'], now)).toEqual({ since: new Date('2025-01-31T11:00:00Z'), quiet: false });
    expect(parseSyncArgs(['--since=2025-01-31', '--quiet'], now)).toMatchObject({ quiet: true });
    expect(parseSyncArgs(['--since', 'ontem'], now)).toHaveProperty('error');
    expect(parseSyncArgs(['--what'], now)).toHaveProperty('error');
  });
});
