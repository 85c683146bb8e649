import { domainErrorToHttp, httpStatusOf } from '../common/domain-error.mapper';
import { HttpStatus } from '@nestjs/common';
import {
  BitrixApiError,
  BitrixAuthError,
  BitrixError,
  BitrixNotFoundError,
  BitrixTimeoutError,
  BitrixUnavailableError,
  errorFromBody,
} from './bitrix.errors';

describe('Bitrix error classification', () => {
  it.each([
    [400, '', 'Not found', BitrixNotFoundError],
    [400, 'NOT_FOUND', 'Not found.', BitrixNotFoundError],
    [400, '', 'Activity is not found', BitrixNotFoundError],
    [400, 'ERROR_NOT_FOUND', 'Could not find entity with id `5`', BitrixNotFoundError],
    [400, 'OWNER_NOT_FOUND', 'Owner was not found.', BitrixNotFoundError],
    [404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!', BitrixApiError],
    [401, 'NO_AUTH_FOUND', 'Wrong authorization data', BitrixAuthError],
    [403, 'insufficient_scope', '', BitrixAuthError],
    [401, 'expired_token', 'The access token provided has expired', BitrixAuthError],
    [503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests', BitrixUnavailableError],
    [429, 'OPERATION_TIME_LIMIT', 'Method is blocked', BitrixUnavailableError],
    [500, 'INTERNAL_SERVER_ERROR', 'Internal server error', BitrixUnavailableError],
    [400, '', 'ID is not defined or invalid', BitrixApiError],
    [400, 'ERROR_BATCH_LENGTH_EXCEEDED', 'Max batch length exceeded', BitrixApiError],
  ])('HTTP %s %j %j → %p', (status, error, description, type) => {
    const e = errorFromBody('crm.deal.get', status, { error, error_description: description });
    expect(e).toBeInstanceOf(type);
    expect(e).toBeInstanceOf(BitrixError);
    expect(e.code).toBe(error);
    expect(e.upstreamStatus).toBe(status);
  });

  it('marks rate limits as rejected (safe to replay), 5xx as ambiguous, validation as permanent', () => {
    expect(errorFromBody('crm.deal.add', 503, { error: 'QUERY_LIMIT_EXCEEDED' }).kind).toBe('rejected');
    expect(errorFromBody('crm.deal.add', 500, { error: 'INTERNAL_SERVER_ERROR' }).kind).toBe('ambiguous');
    expect(errorFromBody('crm.deal.add', 400, { error: '', error_description: 'x' }).kind).toBe('permanent');
  });

  it('answers 504 / 502 / 404 with a Portuguese detail and no secret', () => {
    const timeout = new BitrixTimeoutError({ method: 'crm.deal.get' });
    expect(httpStatusOf(timeout.domainCode)).toBe(HttpStatus.GATEWAY_TIMEOUT);
    expect(domainErrorToHttp(timeout)?.getResponse()).toEqual({ statusCode: 504, message: 'Timeout ao comunicar com o Bitrix24 (crm.deal.get)', detail: 'Timeout ao comunicar com o Bitrix24 (crm.deal.get)' });
    expect(httpStatusOf(new BitrixUnavailableError({ method: 'batch' }).domainCode)).toBe(502);
    expect(httpStatusOf(new BitrixApiError({ method: 'crm.deal.add', code: '', description: 'Parameter x' }).domainCode)).toBe(502);
    expect(httpStatusOf(new BitrixAuthError({ method: 'crm.deal.get' }).domainCode)).toBe(502);
    expect(httpStatusOf(new BitrixNotFoundError({ method: 'crm.deal.get' }).domainCode)).toBe(404);
    expect(new BitrixAuthError({ method: 'crm.deal.get' }).detail).toMatch(/autenticação/);
  });

  it('redacts descriptions', () => {
    const e = errorFromBody('x.get', 400, { error: 'X', error_description: 'see https://p/rest/1/secret/' }, (s) => s.replace('secret', '***'));
    expect(e.description).toBe('see https://p/rest/1/***/');
    expect(e.message).not.toContain('secret');
  });
});
