import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsString, ValidateNested } from 'class-validator';
import { IntegerField, Optional, TextField } from '../../common/validation/field.decorators';

/** A real 1×1 PNG: the Swagger examples succeed as they are (the attachment checks decode it). */
export const PNG_1PX_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

/** One attachment sent inline as base64 (seed §4.2 `attachments[]`). */
export class TicketAttachmentDto {
  @TextField({ maxLength: 255, example: 'screenshot.png' })
  filename!: string;

  @ApiProperty({ description: 'Conteúdo do arquivo em base64 (sem prefixo `data:` ou com ele)', example: PNG_1PX_BASE64 })
  @IsString({ message: 'content: deve ser um texto em base64' })
  content!: string;
}

/** The optional `attachments` array of the ticket requests (at most 20 files). */
export function AttachmentsField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [TicketAttachmentDto], maxItems: 20 }),
    Optional(),
    IsArray({ message: 'attachments: deve ser uma lista' }),
    ArrayMaxSize(20, { message: 'attachments: no máximo 20 arquivos' }),
    ValidateNested({ each: true }),
    Type(() => TicketAttachmentDto),
  );
}

/** The `deal_id` (Bitrix deal ID, the public ticket ID) of the ticket action requests. */
export function BitrixDealIdField(): PropertyDecorator {
  return applyDecorators(
    IntegerField({ example: 1001, description: 'ID Bitrix do chamado (o ID público; no modo embutido, o primeiro chamado é 1001)' }),
  );
}
