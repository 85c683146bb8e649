import { BitrixApiError, BitrixAuthError, BitrixNotFoundError, BitrixTimeoutError, BitrixUnavailableError } from '../bitrix/bitrix.errors';
import { MailUnavailableError } from '../mail/mail-unavailable.error';
import { StorageUnavailableError } from '../storage/storage.driver';
import { DomainError, DomainErrorCode, RuleViolationError } from './domain-error';
import { domainErrorToHttp, httpStatusOf } from './domain-error.mapper';

const EXPECTED: Record<DomainErrorCode, number> = {
  BITRIX_TIMEOUT: 504,
  BITRIX_UNAVAILABLE: 502,
  BITRIX_REJECTED: 502,
  BITRIX_AUTH: 502,
  BITRIX_NOT_FOUND: 404,
  STORAGE_UNAVAILABLE: 502,
  MAIL_UNAVAILABLE: 503,
  INVALID_VALUE: 400,
  CONFLICT: 409,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
};

describe('domain error → HTTP status', () => {
  it.each(Object.entries(EXPECTED))('%s → %i', (code, status) => {
    expect(httpStatusOf(code as DomainErrorCode)).toBe(status);
  });

  it('each edge error carries its code, not a status', () => {
    const errors: [DomainError, DomainErrorCode][] = [
      [new BitrixTimeoutError({ method: 'crm.deal.get' }), 'BITRIX_TIMEOUT'],
      [new BitrixUnavailableError({ method: 'batch' }), 'BITRIX_UNAVAILABLE'],
      [new BitrixApiError({ method: 'crm.deal.add' }), 'BITRIX_REJECTED'],
      [new BitrixAuthError({ method: 'crm.deal.get' }), 'BITRIX_AUTH'],
      [new BitrixNotFoundError({ method: 'crm.deal.get' }), 'BITRIX_NOT_FOUND'],
      [new StorageUnavailableError('upload', new Error('ECONNREFUSED')), 'STORAGE_UNAVAILABLE'],
      [new MailUnavailableError(new Error('421 busy')), 'MAIL_UNAVAILABLE'],
    ];
    for (const [error, code] of errors) {
      expect(error.domainCode).toBe(code);
      expect(error).not.toHaveProperty('getStatus');
    }
  });

  it('answers with the API error body: the summary as message, the Portuguese detail', () => {
    const storage = domainErrorToHttp(new StorageUnavailableError('upload'))!;
    expect(storage.getStatus()).toBe(502);
    expect(storage.getResponse()).toEqual({
      statusCode: 502,
      message: 'Falha no armazenamento de arquivos',
      detail: 'Falha ao acessar o armazenamento de arquivos (S3). Tente novamente.',
    });
    const rule = domainErrorToHttp(new RuleViolationError('INVALID_VALUE', 'cpf', 'CPF inválido'))!;
    expect(rule.getResponse()).toEqual({ statusCode: 400, message: 'cpf: CPF inválido', detail: 'cpf: CPF inválido' });
  });

  it('keeps the technical message for logs only', () => {
    const mail = new MailUnavailableError(new Error('421 busy'));
    expect(mail.message).toContain('421 busy');
    expect(JSON.stringify(domainErrorToHttp(mail)!.getResponse())).not.toContain('421 busy');
  });

  it('leaves anything else to the filter', () => {
    expect(domainErrorToHttp(new Error('boom'))).toBeNull();
    expect(domainErrorToHttp('x')).toBeNull();
  });
});
