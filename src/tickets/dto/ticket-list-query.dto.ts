import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { normalizePriority, TICKET_PRIORITIES, TicketPriority } from '../../bitrix/ticket-sla';

export const MAX_PAGE_SIZE = 500;

/** Optional filters and paging of every listing (SPEC §5). Without them: the seed's full list. */
export class TicketListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit: deve ser um inteiro' })
  @Min(1, { message: `limit: deve estar entre 1 e ${MAX_PAGE_SIZE}` })
  @Max(MAX_PAGE_SIZE, { message: `limit: deve estar entre 1 e ${MAX_PAGE_SIZE}` })
  limit?: number;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'offset: deve ser um inteiro' })
  @Min(0, { message: 'offset: deve ser >= 0' })
  offset?: number;

  @ApiPropertyOptional({ example: 'C19:NEW' })
  @IsOptional()
  @IsString()
  @MaxLength(50)
  stage_id?: string;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (normalizePriority(value) ?? value) : value))
  @IsIn(TICKET_PRIORITIES, { message: 'priority: prioridade desconhecida (use Crítico, Alto, Médio ou Baixo)' })
  priority?: TicketPriority;

  @ApiPropertyOptional({ example: 'TI' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  assignee_department?: string;

  @ApiPropertyOptional({ description: 'Busca no título e na descrição (sem diferenciar maiúsculas)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  q?: string;
}
