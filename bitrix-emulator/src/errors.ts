/** A Bitrix24 error answer: `{"error": code, "error_description": description}` with an HTTP status. */
export class BitrixError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
  ) {
    super(`${code || '(empty)'}: ${description}`);
    this.name = 'BitrixError';
  }

  toBody(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.description };
  }
}

/** Method-level validation errors: HTTP 400 with an empty `error` code, as crm.deal.* answers. */
export function validationError(description: string): BitrixError {
  return new BitrixError(400, '', description);
}

export const notFound = (): BitrixError => validationError('Not found');
export const invalidId = (): BitrixError => validationError('ID is not defined or invalid');
