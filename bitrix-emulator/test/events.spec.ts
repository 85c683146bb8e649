import { BitrixEmulator, startBitrixEmulator } from '../src';
import { admin, callJson, EventReceiver, resultOf, sleep } from './helpers';

type Row = Record<string, unknown>;

describe('outbound event webhooks', () => {
  let emu: BitrixEmulator;
  let receiver: EventReceiver;
  let handlerUrl: string;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0, applicationToken: 'apptoken-123', portalDomain: 'carvalima.bitrix24.com.br', eventDelayMs: 5 });
  });
  afterAll(() => emu.close());
  beforeEach(async () => {
    emu.reset();
    emu.options.eventDelayMs = 5;
    receiver = new EventReceiver();
    handlerUrl = await receiver.start();
    emu.options.eventHandlerUrl = handlerUrl; // set after start, like the product's port known later
  });
  afterEach(async () => {
    await emu.flush();
    await receiver.stop();
  });

  it('POSTs a form-encoded body with PHP-style nested keys and the application token', async () => {
    const before = Math.floor(Date.now() / 1000);
    const id = resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'evt', CATEGORY_ID: 19 } }));
    await receiver.waitFor(1);
    const [event] = receiver.received;
    expect(event.contentType).toBe('application/x-www-form-urlencoded');
    expect(event.raw).toContain('data%5BFIELDS%5D%5BID%5D=');
    expect(event.raw).toContain('auth%5Bapplication_token%5D=apptoken-123');
    expect(event.body).toEqual({
      event: 'ONCRMDEALADD',
      event_handler_id: expect.stringMatching(/^\d+$/),
      data: { FIELDS: { ID: String(id) } },
      ts: expect.stringMatching(/^\d+$/),
      auth: {
        domain: 'carvalima.bitrix24.com.br',
        client_endpoint: 'https://carvalima.bitrix24.com.br/rest/',
        server_endpoint: 'https://oauth.bitrix.info/rest/',
        member_id: expect.stringMatching(/^[0-9a-f]{32}$/),
        application_token: 'apptoken-123',
      },
    });
    expect(Number(event.body.ts)).toBeGreaterThanOrEqual(before);
    await emu.flush();
    expect(emu.deliveries).toEqual([expect.objectContaining({ event: 'ONCRMDEALADD', outcome: 'delivered', status: 200, url: handlerUrl })]);
  });

  it('fires deal, activity and comment events from REST and from portal-side changes', async () => {
    const id = resultOf<number>(await callJson(emu, 'crm.deal.add', { fields: { TITLE: 'evt' } }));
    await callJson(emu, 'crm.deal.update', { id, fields: { TITLE: 'evt 2' } });
    emu.moveDealStage(id, 'WON');
    const activity = emu.addActivity(id, { SUBJECT: 'Resposta do cliente', DESCRIPTION: 'ok', files: [{ name: 'a.txt', content: Buffer.from('abc') }] });
    const comment = emu.addComment(id, 'Comentário interno');
    emu.deleteDeal(id);
    await receiver.waitFor(6);
    expect(receiver.received.map((e) => e.body.event)).toEqual([
      'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALUPDATE', 'ONCRMACTIVITYADD', 'ONCRMTIMELINECOMMENTADD', 'ONCRMDEALDELETE',
    ]);
    expect(receiver.received[3].body.data).toEqual({ FIELDS: { ID: activity.ID } });
    expect(receiver.received[4].body.data).toEqual({ ID: comment.ID }); // no FIELDS level for comments
    expect(emu.getActivity(Number(activity.ID))).toBeUndefined(); // went away with the deal
  });

  it('does not retry: a failing handler is recorded as failed and the event is lost', async () => {
    receiver.status = 500;
    emu.createDeal({ TITLE: 'lost' });
    await receiver.waitFor(1);
    await emu.flush();
    await sleep(50);
    expect(receiver.received).toHaveLength(1);
    expect(emu.deliveries).toEqual([expect.objectContaining({ outcome: 'failed', status: 500, error: 'HTTP 500' })]);

    await receiver.stop();
    emu.createDeal({ TITLE: 'handler down' });
    await emu.flush();
    expect(emu.deliveries[1]).toMatchObject({ outcome: 'failed', status: null });
    expect(emu.deliveries[1].error).toBeTruthy();
  });

  it('drop: the next N events, or by probability', async () => {
    emu.setEventFaults({ dropNext: 2 });
    const ids = [1, 2, 3].map((i) => emu.createDeal({ TITLE: `d${i}` }).ID);
    await emu.flush();
    expect(receiver.ids()).toEqual([ids[2]]);
    expect(emu.deliveries.map((d) => d.outcome)).toEqual(['dropped', 'dropped', 'delivered']);

    emu.setEventFaults({ dropProbability: 1 });
    emu.createDeal({ TITLE: 'never' });
    await emu.flush();
    expect(receiver.received).toHaveLength(1);
    emu.clearEventFaults();
  });

  it('duplicate: every event is delivered twice', async () => {
    emu.setEventFaults({ duplicate: true });
    const deal = emu.createDeal({ TITLE: 'twice' });
    await receiver.waitFor(2);
    await emu.flush();
    expect(receiver.ids()).toEqual([deal.ID, deal.ID]);
    expect(receiver.received[0].raw).toBe(receiver.received[1].raw);
    expect(emu.deliveries.map((d) => d.copy)).toEqual([1, 2]);
  });

  it('delay: events arrive only after the extra delay', async () => {
    emu.setEventFaults({ delayMs: 300 });
    const t0 = Date.now();
    emu.createDeal({ TITLE: 'late' });
    await sleep(150);
    expect(receiver.received).toHaveLength(0);
    await receiver.waitFor(1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);

    emu.setEventFaults({ delayMs: 10_000 });
    emu.createDeal({ TITLE: 'expedited' });
    const t1 = Date.now();
    await emu.flush(); // flush delivers delayed events right away
    expect(receiver.received).toHaveLength(2);
    expect(Date.now() - t1).toBeLessThan(1000);
  });

  it('reorder: a window of events is delivered reversed, or shuffled', async () => {
    emu.setEventFaults({ reorder: { window: 3, mode: 'reverse' } });
    const ids = [1, 2, 3, 4].map((i) => emu.createDeal({ TITLE: `r${i}` }).ID);
    await receiver.waitFor(3);
    await sleep(50);
    expect(receiver.ids()).toEqual([ids[2], ids[1], ids[0]]); // the 4th waits for its window
    await emu.flush();
    expect(receiver.ids()).toEqual([ids[2], ids[1], ids[0], ids[3]]);

    receiver.received.length = 0;
    emu.setEventFaults({ reorder: { window: 4, mode: 'shuffle' } });
    const more = [1, 2, 3, 4].map((i) => emu.createDeal({ TITLE: `s${i}` }).ID);
    await receiver.waitFor(4);
    expect(receiver.ids()).not.toEqual(more);
    expect([...receiver.ids()].sort()).toEqual([...more].sort());
  });

  it('pause holds events; flush releases them; resume goes back to normal delivery', async () => {
    emu.pauseEvents();
    const a = emu.createDeal({ TITLE: 'held a' }).ID;
    const b = emu.createDeal({ TITLE: 'held b' }).ID;
    await sleep(80);
    expect(receiver.received).toHaveLength(0);
    await emu.flush();
    expect(receiver.ids()).toEqual([a, b]);

    const c = emu.createDeal({ TITLE: 'held c' }).ID; // still paused after flush
    await sleep(50);
    expect(receiver.ids()).toEqual([a, b]);
    emu.resumeEvents();
    await receiver.waitFor(3);
    const d = emu.createDeal({ TITLE: 'live d' }).ID;
    await receiver.waitFor(4);
    expect(receiver.ids()).toEqual([a, b, c, d]);
  });

  it('is driven through the admin API: faults, pause/flush, portal-side changes and deliveries', async () => {
    await admin(emu, 'POST', '/admin/events', { pause: true, duplicate: true });
    const created = await admin(emu, 'POST', '/admin/deals', { TITLE: 'from admin', CATEGORY_ID: 19, UF_CRM_1701707001: 1561 });
    expect(created.status).toBe(200);
    const id = String(created.json.ID);
    const moved = await admin(emu, 'POST', `/admin/deals/${id}/stage`, { stageId: 'C19:WON' });
    expect(moved.json).toMatchObject({ STAGE_ID: 'C19:WON', CLOSED: 'Y', STAGE_SEMANTIC_ID: 'S' });
    const state = await admin(emu, 'GET', '/admin/events');
    expect(state.json).toMatchObject({ paused: true, held: 2 });
    await admin(emu, 'POST', '/admin/events/flush');
    expect(receiver.received.map((e) => e.body.event)).toEqual(['ONCRMDEALADD', 'ONCRMDEALADD', 'ONCRMDEALUPDATE', 'ONCRMDEALUPDATE']);
    await admin(emu, 'POST', '/admin/events', { clear: true, resume: true });

    const comment = await admin(emu, 'POST', `/admin/deals/${id}/comments`, { text: 'ok', files: [{ name: 'n.txt', contentBase64: Buffer.from('hi').toString('base64') }] });
    expect(comment.json).toMatchObject({ COMMENT: 'ok' });
    const activity = await admin(emu, 'POST', `/admin/deals/${id}/activities`, { SUBJECT: 'Re: chamado', DIRECTION: 1, files: [{ name: 'x.txt', content: 'text' }] });
    expect(activity.json).toMatchObject({ SUBJECT: 'Re: chamado', TYPE_ID: '4', DIRECTION: '1' });
    await admin(emu, 'POST', '/admin/events', { emit: { event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: id } } }, flush: true });
    await receiver.waitFor(7);
    expect(receiver.received.slice(4).map((e) => e.body.event)).toEqual(['ONCRMTIMELINECOMMENTADD', 'ONCRMACTIVITYADD', 'ONCRMDEALUPDATE']);
    const deliveries = await admin(emu, 'GET', '/admin/events');
    expect((deliveries.json.deliveries as Row[]).length).toBe(7);
  });
});
