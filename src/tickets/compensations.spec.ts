import { Compensations } from './compensations';

describe('Compensations', () => {
  const quietLogger = { warn: jest.fn() };

  it('undoes the steps newest first', async () => {
    const order: string[] = [];
    const undo = new Compensations(quietLogger);
    undo.add('s3', async () => void order.push('s3'));
    undo.add('bitrix deal', async () => void order.push('bitrix deal'));
    undo.add('bitrix activity', async () => void order.push('bitrix activity'));
    expect(await undo.run()).toEqual([]);
    expect(order).toEqual(['bitrix activity', 'bitrix deal', 's3']);
  });

  it('runs every step even when one fails, and names the ones that failed', async () => {
    const order: string[] = [];
    const undo = new Compensations(quietLogger);
    undo.add('first', async () => void order.push('first'));
    undo.add('broken', async () => {
      throw new Error('S3 down');
    });
    undo.add('last', async () => void order.push('last'));
    expect(await undo.run()).toEqual(['broken']);
    expect(order).toEqual(['last', 'first']);
    expect(quietLogger.warn).toHaveBeenCalledWith(expect.stringContaining('broken'));
  });

  it('runs each step once: a second run has nothing left to undo', async () => {
    let calls = 0;
    const undo = new Compensations(quietLogger);
    undo.add('once', async () => void (calls += 1));
    await undo.run();
    await undo.run();
    expect(calls).toBe(1);
  });
});
