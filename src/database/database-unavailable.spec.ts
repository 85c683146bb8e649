import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

const pgError = (code: string, message = 'error') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['disk full', pgError('53100')],
    ['too many connections', pgError('53300')],
    ['connection failure', pgError('08006')],
    ['admin shutdown', pgError('57P01')],
    ['cannot connect now (recovery)', pgError('57P03')],
    ['connection refused', pgError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['terminated connection', new Error('Connection terminated unexpectedly')],
    ['wrapped by TypeORM', new QueryFailedError('INSERT ...', [], pgError('53100'))],
  ])('is true for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['unique violation', pgError('23505')],
    ['raised by a trigger', pgError('P0001', 'disk full')],
    ['syntax error', new QueryFailedError('SELEC', [], pgError('42601'))],
    ['query canceled', pgError('57014')],
    ['a plain bug', new TypeError('x is undefined')],
    ['nothing', undefined],
  ])('is false for %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
