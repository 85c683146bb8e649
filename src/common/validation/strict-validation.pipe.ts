import { ArgumentMetadata, ValidationPipe } from '@nestjs/common';

/**
 * The global ValidationPipe without its conversion of single path/query values to the handler's
 * parameter type: it reads `Number(" 1")` as 1 and `Number("0x10")` as 16, before the parameter's own
 * pipe (ParseIdPipe) could refuse the non-canonical text. DTO bodies and queries are validated as usual.
 */
export class StrictValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, _metadata: ArgumentMetadata): unknown {
    return value;
  }
}
