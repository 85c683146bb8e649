import { ApiProperty, ApiPropertyOptions } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsOptional, IsString, ValidateBy, ValidateIf } from 'class-validator';
import { ID_BOUNDS, IntegerBounds, integerMessage, isBoundedInteger, parseCanonicalInteger } from './bounded-integer';

type Documentation = Pick<ApiPropertyOptions, 'description' | 'example' | 'default'>;

/**
 * An optional field: absent, or sent as `null` (what the seed's pydantic `Optional[...] = None` accepted),
 * means "not given"; `null` never reaches a service as a value.
 */
export function Optional(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    Transform(({ value }: { value: unknown }) => (value === null ? undefined : value))(target, property);
    IsOptional()(target, property);
  };
}

/** An optional field where `null` is a value (it clears a nullable column). */
export function OptionalNullable(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null);
}

export interface IntegerFieldOptions extends Documentation, Partial<IntegerBounds> {
  optional?: boolean;
  /** Query strings carry text: `?offset=10` is read in canonical decimal form (no `+1`, ` 1`, `1e3`, `0x10`, `01`). */
  in?: 'body' | 'query';
}

/**
 * An integer bounded to what its column holds (default 1..2147483647, PostgreSQL `integer`): in a JSON body
 * a number, never a string; in a query string its canonical decimal form. Anything else is a 400 naming the field.
 */
export function IntegerField(options: IntegerFieldOptions = {}): PropertyDecorator {
  const bounds: IntegerBounds = { min: options.min ?? ID_BOUNDS.min, max: options.max ?? ID_BOUNDS.max };
  return (target: object, property: string | symbol) => {
    const field = String(property);
    ApiProperty({
      type: 'integer',
      format: 'int32',
      minimum: bounds.min,
      maximum: bounds.max,
      required: !options.optional,
      description: options.description,
      example: options.example,
      default: options.default,
    })(target, property);
    if (options.in === 'query') {
      Transform(({ value }: { value: unknown }) => (typeof value === 'string' && value !== '' ? (parseCanonicalInteger(value, bounds) ?? value) : value))(
        target,
        property,
      );
    }
    if (options.optional) Optional()(target, property);
    ValidateBy(
      { name: 'boundedInteger', validator: { validate: (value: unknown) => isBoundedInteger(value, bounds), defaultMessage: () => integerMessage(field, bounds) } },
      { message: integerMessage(field, bounds) },
    )(target, property);
  };
}

export interface TextFieldOptions extends Documentation {
  maxLength: number;
  optional?: boolean;
  /**
   * Text a person reads (titles, comments, e-mail bodies): trimmed, and blank is refused when required
   * (an optional one left blank counts as not given). Default true.
   */
  trim?: boolean;
  minLength?: number;
}

/**
 * A string field with its limits in the OpenAPI schema and Portuguese messages naming it. By default the
 * value is trimmed and must not be blank: whitespace-only text would reach Bitrix (which refuses it) or users.
 */
export function TextField(options: TextFieldOptions): PropertyDecorator {
  const trim = options.trim ?? true;
  const minLength = options.minLength ?? (trim && !options.optional ? 1 : undefined);
  return (target: object, property: string | symbol) => {
    const field = String(property);
    ApiProperty({
      type: String,
      maxLength: options.maxLength,
      minLength,
      required: !options.optional,
      description: options.description,
      example: options.example,
      default: options.default,
    })(target, property);
    if (trim) {
      const blankIsAbsent = options.optional === true;
      Transform(({ value }: { value: unknown }) => {
        if (typeof value !== 'string') return value;
        const text = value.trim();
        return blankIsAbsent && text === '' ? undefined : text;
      })(target, property);
    }
    if (options.optional) Optional()(target, property);
    IsString({ message: `${field}: deve ser um texto` })(target, property);
    ValidateBy(
      {
        name: 'textLength',
        validator: {
          validate: (value: unknown) =>
            typeof value !== 'string' || (value.length <= options.maxLength && (minLength === undefined || value.length >= minLength)),
        },
      },
      {
        message: (args) =>
          typeof args.value === 'string' && args.value.length > options.maxLength
            ? `${field}: no máximo ${options.maxLength} caracteres`
            : minLength === 1
              ? `${field}: não pode ser vazio`
              : `${field}: no mínimo ${minLength} caracteres`,
      },
    )(target, property);
  };
}
