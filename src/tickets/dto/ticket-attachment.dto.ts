import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

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
