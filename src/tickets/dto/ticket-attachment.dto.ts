import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsInt, IsNotEmpty, IsOptional, IsString, MaxLength, Min, ValidateNested } from 'class-validator';

/** One attachment sent inline as base64 (seed §4.2 `attachments[]`). */
export class TicketAttachmentDto {
  @ApiProperty({ example: 'screenshot.png', maxLength: 255 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(255)
  filename!: string;

  @ApiProperty({ description: 'Conteúdo do arquivo em base64 (sem prefixo `data:` ou com ele)', example: 'iVBORw0KGgo=' })
  @IsString()
  content!: string;
}

/** The optional `attachments` array of the ticket requests (at most 20 files). */
export function AttachmentsField(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ type: [TicketAttachmentDto] }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(20),
    ValidateNested({ each: true }),
    Type(() => TicketAttachmentDto),
  );
}

/** The `deal_id` (Bitrix deal ID, the public ticket ID) of the ticket action requests. */
export function BitrixDealIdField(): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ example: 837, description: 'ID Bitrix do chamado' }),
    Type(() => Number),
    IsInt({ message: 'deal_id: deve ser um número inteiro' }),
    Min(1, { message: 'deal_id: deve ser um número inteiro positivo' }),
  );
}
