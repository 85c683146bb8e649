import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn } from 'class-validator';
import { INT32_MAX } from '../../common/validation/bounded-integer';
import { IntegerField, Optional, TextField } from '../../common/validation/field.decorators';
import { normalizePriority, TICKET_PRIORITIES, TicketPriority } from '../../bitrix/ticket-sla';

export const MAX_PAGE_SIZE = 500;

/** Optional filters and paging of every listing (SPEC §5). Without them: the seed's full list. */
export class TicketListQueryDto {
  @IntegerField({ in: 'query', optional: true, min: 1, max: MAX_PAGE_SIZE, description: 'Tamanho da página (sem ele: a lista inteira)' })
  limit?: number;

  @IntegerField({ in: 'query', optional: true, min: 0, max: INT32_MAX, description: 'Quantos chamados pular (com `limit`)' })
  offset?: number;

  // No `example` on optional filters: Swagger UI would prefill it and "Try it out" would filter by it.
  @TextField({ optional: true, maxLength: 50, description: 'Etapa do Bitrix24, ex.: `C19:NEW`' })
  stage_id?: string;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? (normalizePriority(value) ?? value) : value))
  @IsIn(TICKET_PRIORITIES, { message: 'priority: prioridade desconhecida (use Crítico, Alto, Médio ou Baixo)' })
  priority?: TicketPriority;

  @TextField({ optional: true, maxLength: 100, description: 'Departamento responsável (igualdade exata), ex.: `TI`' })
  assignee_department?: string;

  @TextField({ optional: true, maxLength: 200, description: 'Busca no título e na descrição (sem diferenciar maiúsculas)' })
  q?: string;
}
