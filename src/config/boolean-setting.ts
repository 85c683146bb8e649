import { ValidationOptions, registerDecorator } from 'class-validator';

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off']);

/**
 * The one reading of a boolean setting: `true`/`1`/`yes`/`on` and `false`/`0`/`no`/`off` (any case,
 * surrounding blanks ignored); unset or blank gives `fallback`; anything else is not a boolean (null).
 * The validator below accepts exactly what this parser reads, so a value that validates never means
 * the opposite of what it says (COOKIE_SECURE=1 is true).
 */
export function parseBooleanSetting(raw: string | undefined, fallback: boolean): boolean | null {
  const value = raw?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  return null;
}

/** class-validator decorator: the value is one parseBooleanSetting reads. */
export function IsBooleanSetting(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isBooleanSetting',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be true or false (also 1/0, yes/no, on/off)`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && parseBooleanSetting(value, false) !== null },
    });
}
