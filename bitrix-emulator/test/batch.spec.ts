import qs from 'qs';
import { BitrixEmulator, startBitrixEmulator } from '../src';
import { callJson, resultOf } from './helpers';

type Row = Record<string, unknown>;
interface BatchResult {
  result: Row | unknown[];
  result_error: Row | unknown[];
  result_total: Row | unknown[];
  result_next: Row | unknown[];
  result_time: Row | unknown[];
}

describe('batch', () => {
  let emu: BitrixEmulator;

  beforeAll(async () => {
    emu = await startBitrixEmulator({ rateLimit: 0 });
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.reset());

  it('runs commands with $result references and answers the documented shape (empty members as [])', async () => {
    emu.seedUser({ ID: 7, NAME: 'Ana', LAST_NAME: 'Souza', EMAIL: 'ana@carvalima.com.br' });
    const deal = emu.createDeal({ TITLE: 'Ticket', CATEGORY_ID: 19, ASSIGNED_BY_ID: 7 });
    const answer = await callJson(emu, 'batch', {
      halt: 0,
      cmd: {
        d: `crm.deal.get?id=${deal.ID}`,
        u: 'user.get?ID=$result[d][ASSIGNED_BY_ID]',
        c: 'crm.deal.add?fields[TITLE]=Copy of $result[d][TITLE]&fields[CATEGORY_ID]=19',
      },
    });
    expect(answer.status).toBe(200);
    const batch = resultOf<BatchResult>(answer);
    const result = batch.result as Row;
    expect((result.d as Row).ID).toBe(deal.ID);
    expect((result.u as Row[])[0]).toMatchObject({ ID: '7', NAME: 'Ana' });
    expect(typeof result.c).toBe('number');
    expect(emu.getDeal(Number(result.c))?.TITLE).toBe('Copy of Ticket');
    expect(batch.result_error).toEqual([]);
    expect(batch.result_next).toEqual([]);
    expect(batch.result_total).toEqual({ u: 1 });
    expect(Object.keys(batch.result_time as Row)).toEqual(['d', 'u', 'c']);
    expect(answer.json.time).toEqual(expect.objectContaining({ start: expect.any(Number) }));
  });

  it('resolves list references $result[key][0][ID] and reports result_total/result_next', async () => {
    for (let i = 0; i < 60; i += 1) emu.createDeal({ TITLE: `D${i}`, CATEGORY_ID: 19 });
    const batch = resultOf<BatchResult>(
      await callJson(emu, 'batch', { cmd: { list: 'crm.deal.list?order[ID]=DESC&select[]=ID', first: 'crm.deal.get?id=$result[list][0][ID]' } }),
    );
    const result = batch.result as Row;
    expect((result.first as Row).TITLE).toBe('D59');
    expect(batch.result_total).toEqual({ list: 60 });
    expect(batch.result_next).toEqual({ list: 50 });
  });

  it('reports per-command errors without failing the request; halt stops at the first error', async () => {
    const deal = emu.createDeal({ TITLE: 'x' });
    const cmd = { ok1: `crm.deal.get?id=${deal.ID}`, bad: 'crm.deal.get?id=999999', unknown: 'crm.nothing.here', ok2: 'user.current' };
    const noHalt = resultOf<BatchResult>(await callJson(emu, 'batch', { halt: 0, cmd }));
    expect(Object.keys(noHalt.result as Row)).toEqual(['ok1', 'ok2']);
    expect(noHalt.result_error).toEqual({
      bad: { error: '', error_description: 'Not found' },
      unknown: { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' },
    });
    const halted = resultOf<BatchResult>(await callJson(emu, 'batch', { halt: 1, cmd }));
    expect(Object.keys(halted.result as Row)).toEqual(['ok1']);
    expect(Object.keys(halted.result_error as Row)).toEqual(['bad']);
    expect(Object.keys(halted.result_time as Row)).toEqual(['ok1', 'bad']);
  });

  it('accepts cmd as an array and answers PHP lists', async () => {
    const deal = emu.createDeal({ TITLE: 'arr' });
    const batch = resultOf<BatchResult>(await callJson(emu, 'batch', { cmd: [`crm.deal.get?id=${deal.ID}`, 'user.current'] }));
    expect(Array.isArray(batch.result)).toBe(true);
    expect((batch.result as Row[])[0].TITLE).toBe('arr');
    const withError = resultOf<BatchResult>(await callJson(emu, 'batch', { cmd: ['user.current', 'crm.deal.get?id=1'] }));
    expect(withError.result).toEqual([expect.objectContaining({ ID: '1' })]);
    expect(withError.result_error).toEqual({ 1: { error: '', error_description: 'Not found' } });
  });

  it('accepts a form-encoded batch with double-encoded inner queries', async () => {
    const inner = qs.stringify({ fields: { TITLE: 'A & B = C', CATEGORY_ID: 19 } });
    const body = qs.stringify({ halt: 0, cmd: { add: `crm.deal.add?${inner}`, get: 'crm.deal.get?id=$result[add]' } });
    expect(body).toContain('%2526'); // & inside a value is double-encoded on the wire
    const response = await fetch(`${emu.inboundUrl}batch`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const json = (await response.json()) as { result: BatchResult };
    const result = json.result.result as Row;
    expect((result.get as Row).TITLE).toBe('A & B = C');
    expect((result.get as Row).STAGE_ID).toBe('C19:NEW');
  });

  it('rejects more than 50 commands and nested batches', async () => {
    const cmd = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`c${i}`, 'user.current']));
    const tooMany = await callJson(emu, 'batch', { cmd });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json).toEqual({ error: 'ERROR_BATCH_LENGTH_EXCEEDED', error_description: 'Max batch length exceeded' });
    const fifty = await callJson(emu, 'batch', { cmd: Object.fromEntries(Object.entries(cmd).slice(0, 50)) });
    expect(fifty.status).toBe(200);
    const nested = resultOf<BatchResult>(await callJson(emu, 'batch', { cmd: { inner: 'batch?cmd[x]=user.current' } }));
    expect((nested.result_error as Row).inner).toEqual(expect.objectContaining({ error: 'ERROR_BATCH_METHOD_NOT_ALLOWED' }));
  });

  it('counts the batch as one HTTP request but each command per method', async () => {
    emu.resetStats();
    const deal = emu.createDeal({ TITLE: 'stats' });
    await callJson(emu, 'batch', { cmd: { a: `crm.deal.get?id=${deal.ID}`, b: `crm.deal.get?id=${deal.ID}`, c: 'user.get?ID=1' } });
    const stats = emu.stats;
    expect(stats.httpRequests).toBe(1);
    expect(stats.byMethod).toEqual({ batch: 1, 'crm.deal.get': 2, 'user.get': 1 });
    expect(stats.calls.filter((c) => c.viaBatch).map((c) => c.method)).toEqual(['crm.deal.get', 'crm.deal.get', 'user.get']);
    expect(stats.calls.find((c) => c.method === 'user.get')?.params).toEqual({ ID: '1' });
  });
});
