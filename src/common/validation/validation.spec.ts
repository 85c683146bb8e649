import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { findShapeProblem } from '../input-shape.pipe';
import { ParseIdPipe } from '../parse-id.pipe';
import { ID_BOUNDS, isBoundedInteger, parseCanonicalInteger } from './bounded-integer';
import { IntegerField, TextField } from './field.decorators';
import { fieldErrorsOf } from './validation-exception.factory';

class Sample {
  @IntegerField({ example: 1 })
  deal_id!: number;

  @IntegerField({ in: 'query', optional: true, min: 0 })
  offset?: number;

  @TextField({ maxLength: 10 })
  title!: string;

  @TextField({ optional: true, maxLength: 10 })
  note?: string;
}

function errorsOf(plain: Record<string, unknown>) {
  const instance = plainToInstance(Sample, plain);
  return { instance, errors: fieldErrorsOf(validateSync(instance, { dismissDefaultMessages: true, validationError: { target: false, value: true } })) };
}

describe('bounded canonical integers', () => {
  it.each([['1', 1], ['2147483647', 2147483647], ['0', null], [' 1', null], ['0x10', null], ['01', null], ['1e3', null], ['+1', null], ['1.0', null], ['2147483648', null], ['', null]])(
    'reads the text %j as %p',
    (text, expected) => {
      expect(parseCanonicalInteger(text, ID_BOUNDS)).toBe(expected);
    },
  );

  it('takes JSON numbers only, within the bounds', () => {
    expect(isBoundedInteger(5002, ID_BOUNDS)).toBe(true);
    for (const value of ['5002', 2147483648, 9007199254740992, 1e300, 1.5, 0, true, null]) expect(isBoundedInteger(value, ID_BOUNDS)).toBe(false);
  });

  it('ParseIdPipe refuses a non-canonical path ID with a 400 naming it', () => {
    const pipe = new ParseIdPipe('user_id');
    expect(pipe.transform('42')).toBe(42);
    expect(() => pipe.transform('%20%201')).toThrow('user_id: deve ser um número inteiro entre 1 e 2147483647');
    expect(() => pipe.transform('0x10')).toThrow('user_id');
  });
});

describe('field decorators and their messages', () => {
  it('accepts a valid object, trims text and reads a canonical query integer', () => {
    const { instance, errors } = errorsOf({ deal_id: 5, offset: '10', title: '  Olá ', note: '   ' });
    expect(errors).toEqual([]);
    expect(instance).toMatchObject({ deal_id: 5, offset: 10, title: 'Olá', note: undefined });
  });

  it('names each field once, in Portuguese, with the most telling rule', () => {
    const { errors } = errorsOf({ deal_id: '5002', offset: '1e3', title: ' \t ', note: null });
    expect(errors).toEqual([
      { field: 'deal_id', message: 'deal_id: deve ser um número inteiro entre 1 e 2147483647' },
      { field: 'offset', message: 'offset: deve ser um número inteiro entre 0 e 2147483647' },
      { field: 'title', message: 'title: não pode ser vazio' },
    ]);
  });

  it('says a missing or null required field is missing or null, not that it is too long', () => {
    expect(errorsOf({}).errors).toEqual([
      { field: 'deal_id', message: 'deal_id: campo obrigatório' },
      { field: 'title', message: 'title: campo obrigatório' },
    ]);
    expect(errorsOf({ deal_id: null, title: 'x'.repeat(11) }).errors).toEqual([
      { field: 'deal_id', message: 'deal_id: não pode ser nulo' },
      { field: 'title', message: 'title: no máximo 10 caracteres' },
    ]);
  });
});

describe('findShapeProblem', () => {
  it('finds lone surrogates and NUL characters, with the path of the value', () => {
    expect(findShapeProblem({ to_email: 'maria\uD83D@x.com' })).toEqual({ field: 'to_email', message: expect.stringContaining('surrogate') });
    expect(findShapeProblem({ attachments: [{ filename: 'a\u0000b' }] })?.field).toBe('attachments[0].filename');
    expect(findShapeProblem({ ok: 'Olá 😀' })).toBeUndefined();
  });
});
