import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { ID_BOUNDS, integerMessage, parseCanonicalInteger } from './validation/bounded-integer';

/**
 * A positive integer path ID in canonical decimal form (`837`; not ` 1`, `0x10`, `01`, `1e3`), within what
 * its `integer` column holds; anything else is a 400 naming the parameter.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, number> {
  constructor(private readonly name: string) {}

  transform(value: string): number {
    const id = parseCanonicalInteger(value, ID_BOUNDS);
    if (id === null) {
      const detail = integerMessage(this.name, ID_BOUNDS);
      throw new BadRequestException({ message: detail, detail, errors: [{ field: this.name, message: detail }] });
    }
    return id;
  }
}

/** The OpenAPI side of a ParseIdPipe path parameter: an int32 from 1 to 2147483647. */
export function ApiIdParam(name: string, description: string, example: number): MethodDecorator {
  return ApiParam({ name, description, schema: { type: 'integer', format: 'int32', minimum: ID_BOUNDS.min, maximum: ID_BOUNDS.max, example } });
}
