import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, MaxLength, registerDecorator, ValidationArguments } from 'class-validator';
import { IntegerField } from '../../common/validation/field.decorators';
import { parseReportBound } from '../report-date-range';
import { SLA_REPORT_GROUP_BY, SlaReportGroupBy } from '../sla-report.constants';
import { TICKET_PRIORITIES } from '../../bitrix/ticket-sla';

/** An empty query parameter (`?priority=`) means "no filter", as HTML forms send it. */
const emptyToUndefined = ({ value }: { value: unknown }) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

/** An ISO 8601 date (`2026-01-31`) or date-time (`2026-01-31T12:00:00-04:00`). */
function IsReportBound(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isReportBound',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => parseReportBound(value) !== null,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'date'} deve ser uma data ISO 8601 válida (AAAA-MM-DD ou AAAA-MM-DDTHH:mm:ssZ)`,
      },
    });
}

/** Filters and grouping of `GET /reports/sla` and `GET /reports/sla.csv`. */
export class SlaReportQueryDto {
  @ApiPropertyOptional({
    description: 'Início (inclusivo) do período, sobre a data de abertura do chamado (`created_at`). Data sem hora = 00:00 UTC. Ex.: `2026-01-01`',
  })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsReportBound()
  from?: string;

  @ApiPropertyOptional({
    description: 'Fim (inclusivo) do período, sobre `created_at`. Data sem hora = o dia inteiro (UTC). Ex.: `2026-01-31`',
  })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsReportBound()
  to?: string;

  @ApiPropertyOptional({ description: 'Departamento responsável (igualdade exata), ex.: `TI - Infraestrutura`', maxLength: 100 })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(100)
  assignee_department?: string;

  @ApiPropertyOptional({ enum: TICKET_PRIORITIES })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(TICKET_PRIORITIES, { message: `priority deve ser um de: ${TICKET_PRIORITIES.join(', ')}` })
  priority?: string;

  @Transform(emptyToUndefined)
  @IntegerField({ in: 'query', optional: true, description: 'ID interno (users.id) do responsável' })
  responsible_id?: number;

  @ApiPropertyOptional({ description: 'Categoria de serviço (igualdade exata), ex.: `Acessos e Permissões`', maxLength: 50 })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MaxLength(50)
  service_category?: string;

  @ApiPropertyOptional({
    enum: SLA_REPORT_GROUP_BY,
    default: 'priority',
    description: 'Agrupamento; `day`/`week`/`month` pela data de abertura em UTC (semana começa na segunda-feira)',
  })
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(SLA_REPORT_GROUP_BY, { message: `group_by deve ser um de: ${SLA_REPORT_GROUP_BY.join(', ')}` })
  group_by?: SlaReportGroupBy;
}
