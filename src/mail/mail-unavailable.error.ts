import { DomainError } from '../common/domain-error';

/** The mail server refused or could not be reached (mapped to 503 by common/domain-error.mapper.ts). */
export class MailUnavailableError extends DomainError {
  override readonly domainCode = 'MAIL_UNAVAILABLE';

  constructor(cause: unknown) {
    super('Não foi possível enviar o e-mail (SMTP indisponível). Tente novamente.', {
      summary: 'Falha ao enviar e-mail',
      logMessage: `SMTP delivery failed: ${(cause as Error)?.message ?? String(cause)}`,
      cause,
    });
  }
}
