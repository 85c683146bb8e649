/** The largest value of a PostgreSQL `integer` (int4) column: every ID and counter of the schema is one. */
export const INT32_MAX = 2_147_483_647;

export interface IntegerBounds {
  min: number;
  max: number;
}

/** A positive ID (Bitrix or internal), as its `integer` column holds it. */
export const ID_BOUNDS: IntegerBounds = { min: 1, max: INT32_MAX };

/** Canonical decimal form: no sign but `-`, no leading zeros, no spaces, exponent, hex or fraction. */
const CANONICAL_INTEGER = /^(0|-?[1-9]\d{0,15})$/;

/** A JSON number that is an integer within the bounds (a string, even "5002", is not). */
export function isBoundedInteger(value: unknown, bounds: IntegerBounds): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= bounds.min && value <= bounds.max;
}

/** The integer a path or query string spells in canonical form within the bounds, else null. */
export function parseCanonicalInteger(text: unknown, bounds: IntegerBounds): number | null {
  if (typeof text !== 'string' || !CANONICAL_INTEGER.test(text)) return null;
  const value = Number(text);
  return isBoundedInteger(value, bounds) ? value : null;
}

/** The one wording of an integer error, naming the field. */
export function integerMessage(field: string, bounds: IntegerBounds): string {
  return `${field}: deve ser um número inteiro entre ${bounds.min} e ${bounds.max}`;
}
