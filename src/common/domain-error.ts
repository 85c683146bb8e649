/**
 * Every failure of an edge (Bitrix24, storage, mail) or of a business rule, by what happened, not by an HTTP
 * status: webhook workers and the sync CLI log these as they are; the HTTP status is chosen once, in
 * domain-error.mapper.ts.
 */
export type DomainErrorCode =
  /** Bitrix24 did not answer in time (the request may have been processed). */
  | 'BITRIX_TIMEOUT'
  /** Bitrix24 is unreachable, overloaded, or answered garbage. */
  | 'BITRIX_UNAVAILABLE'
  /** Bitrix24 answered with an application error (validation, unknown method...). */
  | 'BITRIX_REJECTED'
  /** This service's Bitrix24 webhook is wrong, expired or lacks a permission. */
  | 'BITRIX_AUTH'
  /** The object does not exist in Bitrix24. */
  | 'BITRIX_NOT_FOUND'
  /** Object storage (S3 / local disk) failed. */
  | 'STORAGE_UNAVAILABLE'
  /** The mail server refused or could not be reached. */
  | 'MAIL_UNAVAILABLE'
  /** A value breaks a business rule (CPF check digits, a label the portal does not map...). */
  | 'INVALID_VALUE'
  /** The request conflicts with the object's state (closing a closed ticket). */
  | 'CONFLICT'
  /** No such object here (a ticket, a user). */
  | 'NOT_FOUND'
  /** The principal may not do this. */
  | 'FORBIDDEN';

export abstract class DomainError extends Error {
  abstract readonly domainCode: DomainErrorCode;

  /**
   * @param detail the sentence API clients get (Portuguese, never a secret);
   * @param options.field the request field at fault, if any;
   * @param options.summary a short title for API clients (`message`), default the detail;
   * @param options.logMessage the Error message for logs (more technical), default the detail.
   */
  constructor(
    readonly detail: string,
    options: { field?: string; summary?: string; logMessage?: string; cause?: unknown } = {},
  ) {
    super(options.logMessage ?? detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.field = options.field;
    this.summary = options.summary ?? detail;
  }

  readonly field: string | undefined;
  readonly summary: string;
}

/** A request value or state that breaks a rule: `detail` is `<field>: <reason>` when a field is named. */
export class RuleViolationError extends DomainError {
  constructor(
    override readonly domainCode: Extract<DomainErrorCode, 'INVALID_VALUE' | 'CONFLICT' | 'NOT_FOUND' | 'FORBIDDEN'>,
    field: string | null,
    reason: string,
  ) {
    super(field ? `${field}: ${reason}` : reason, field ? { field } : {});
  }
}
