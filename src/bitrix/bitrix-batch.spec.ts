import qs from 'qs';
import { bitrixCommand, chunkCommands, encodeBatchCommand, isIdempotentBatch, normalizeBatchResult, phpMap } from './bitrix-batch';

describe('batch command encoding', () => {
  it('encodes params PHP-style with percent-encoded brackets', () => {
    const encoded = encodeBatchCommand(
      bitrixCommand('crm.deal.list', { filter: { '>ID': 10, TITLE: 'A & B?' }, select: ['ID', 'UF_*'], order: { ID: 'ASC' }, start: -1 }),
    );
    expect(encoded).toBe(
      'crm.deal.list?filter%5B%3EID%5D=10&filter%5BTITLE%5D=A%20%26%20B%3F&select%5B0%5D=ID&select%5B1%5D=UF_%2A&order%5BID%5D=ASC&start=-1',
    );
  });

  it('round-trips through a PHP-style parser (what the portal does with the query)', () => {
    const params = { fields: { TITLE: 'Olá, mundo = 100%', PHONE: [{ VALUE: '+55 65 9999', VALUE_TYPE: 'WORK' }], COMMENTS: 'a\nb' }, id: 7 };
    const encoded = encodeBatchCommand(bitrixCommand('crm.contact.update', params));
    const [method, query] = encoded.split('?');
    expect(method).toBe('crm.contact.update');
    expect(qs.parse(query)).toEqual({ fields: { TITLE: 'Olá, mundo = 100%', PHONE: [{ VALUE: '+55 65 9999', VALUE_TYPE: 'WORK' }], COMMENTS: 'a\nb' }, id: '7' });
  });

  it('sends booleans as 1/0 (PHP reads "false" as true) and nulls as empty', () => {
    expect(encodeBatchCommand(bitrixCommand('disk.storage.uploadfile', { a: true, b: false, c: null }))).toBe('disk.storage.uploadfile?a=1&b=0&c=');
  });

  it('keeps $result references decodable', () => {
    const encoded = encodeBatchCommand(bitrixCommand('crm.deal.add', { fields: { CONTACT_ID: '$result[contact]' } }));
    expect(qs.parse(encoded.split('?')[1])).toEqual({ fields: { CONTACT_ID: '$result[contact]' } });
  });

  it('omits the ? without params and refuses bad method names', () => {
    expect(encodeBatchCommand(bitrixCommand('user.current'))).toBe('user.current');
    expect(() => encodeBatchCommand(bitrixCommand('../crm.deal.get'))).toThrow(/Invalid Bitrix method/);
    expect(() => encodeBatchCommand(bitrixCommand('crm.deal.get?id=1'))).toThrow(/Invalid Bitrix method/);
  });

  it('classifies batch idempotency by its commands', () => {
    expect(isIdempotentBatch({ a: bitrixCommand('crm.deal.get'), b: bitrixCommand('user.get') })).toBe(true);
    expect(isIdempotentBatch({ a: bitrixCommand('crm.deal.get'), b: bitrixCommand('crm.deal.add') })).toBe(false);
  });
});

describe('batch result normalisation', () => {
  it('turns PHP empty arrays into empty maps', () => {
    const n = normalizeBatchResult({ result: { a: { ID: '1' } }, result_error: [], result_total: [], result_next: [], result_time: [] });
    expect(n).toEqual({ result: { a: { ID: '1' } }, resultError: {}, resultTotal: {}, resultNext: {}, resultTime: {} });
  });

  it('turns list-shaped members (keys 0..n-1) into index-keyed maps and totals into numbers', () => {
    const n = normalizeBatchResult({ result: [{ ID: '1' }, { ID: '2' }], result_error: { x: { error: 'NOT_FOUND', error_description: 'Not found.' } }, result_total: { l: '120' }, result_next: { l: 50 } });
    expect(n.result).toEqual({ 0: { ID: '1' }, 1: { ID: '2' } });
    expect(n.resultError.x.error).toBe('NOT_FOUND');
    expect(n.resultTotal).toEqual({ l: 120 });
    expect(n.resultNext).toEqual({ l: 50 });
  });

  it('survives garbage', () => {
    expect(normalizeBatchResult(null).result).toEqual({});
    expect(phpMap('x')).toEqual({});
  });
});

describe('chunkCommands', () => {
  it('splits 120 commands into 50/50/20 keeping keys and order', () => {
    const commands = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`d${i}`, bitrixCommand('crm.deal.get', { id: i })]));
    const chunks = chunkCommands(commands);
    expect(chunks.map((c) => Object.keys(c).length)).toEqual([50, 50, 20]);
    expect(Object.keys(chunks[2])[0]).toBe('d100');
    expect(chunks.flatMap((c) => Object.keys(c))).toEqual(Object.keys(commands));
  });

  it('rejects chunk sizes above 50', () => {
    expect(() => chunkCommands({}, 51)).toThrow();
  });
});
