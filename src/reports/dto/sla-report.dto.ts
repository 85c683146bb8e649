import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SLA_REPORT_GROUP_BY, SlaReportGroupBy } from '../sla-report.constants';
import { TICKET_PRIORITIES } from '../../bitrix/ticket-sla';

/** SLA and satisfaction figures over a set of tickets (one group, or all of them). */
export class SlaMetricsDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 120, description: 'Chamados abertos no período (todos os filtrados)' })
  opened!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 100, description: "Chamados fechados (`closed = 'Y'`)" })
  closed!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 20, description: 'Chamados ainda abertos' })
  open!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 5, description: 'Abertos e com prazo (`date_deadline`) já vencido em `generated_at`' })
  open_overdue!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 96, description: 'Fechados com prazo e data de fechamento: o denominador do percentual de SLA' })
  closed_with_deadline!: number;

  @ApiProperty({ type: 'integer', format: 'int32', example: 84, description: 'Fechados até o prazo (`close_date <= date_deadline`)' })
  closed_within_sla!: number;

  @ApiProperty({
    example: 87.5,
    nullable: true,
    type: Number,
    description: 'closed_within_sla / closed_with_deadline × 100 (0–100, sem arredondamento); null sem fechados com prazo',
  })
  pct_closed_within_sla!: number | null;

  @ApiProperty({ example: 3.25, nullable: true, type: Number, description: 'Mediana de horas entre abertura e fechamento (percentile_cont)' })
  median_hours_to_close!: number | null;

  @ApiProperty({ example: 20.4, nullable: true, type: Number, description: 'Percentil 90 de horas entre abertura e fechamento (percentile_cont)' })
  p90_hours_to_close!: number | null;

  @ApiProperty({ example: 4.3, nullable: true, type: Number, description: 'Média das avaliações (1–5); null sem avaliações' })
  mean_rating!: number | null;

  @ApiProperty({ type: 'integer', format: 'int32', example: 60, description: 'Número de avaliações (1–5)' })
  ratings_count!: number;
}

/** One row of the report: the tickets sharing one value of `group_by`. */
export class SlaReportGroupDto extends SlaMetricsDto {
  @ApiProperty({
    example: 'Alto',
    nullable: true,
    type: String,
    description:
      'Valor do agrupamento: a prioridade, o departamento, a categoria, o ID Bitrix24 do responsável (`user:<users.id>` se só local), ' +
      'o dia (`AAAA-MM-DD`), a segunda-feira da semana (`AAAA-MM-DD`) ou o mês (`AAAA-MM`); null para chamados sem valor',
  })
  key!: string | null;

  @ApiProperty({ example: 'Alto', description: 'Rótulo legível (nome do responsável, `2026-W02` para semanas, "Sem prioridade"...)' })
  label!: string;

  @ApiPropertyOptional({ example: 42, nullable: true, type: 'integer', format: 'int32', description: 'Só em `group_by=responsible`: users.id do responsável, quando ele tem conta local' })
  responsible_id?: number | null;

  @ApiPropertyOptional({
    example: '77',
    nullable: true,
    type: String,
    description: 'Só em `group_by=responsible`: ID do usuário Bitrix24 responsável (também a `key` do grupo; a `key` é `user:<users.id>` quando só o usuário local é conhecido)',
  })
  responsible_bitrix_id?: string | null;

  @ApiPropertyOptional({ example: 'Maria Souza', nullable: true, type: String, description: 'Só em `group_by=responsible`' })
  responsible_name?: string | null;
}

/** The filters the report was computed with (null when absent). */
export class SlaReportFiltersDto {
  @ApiProperty({ example: '2026-01-01', nullable: true, type: String }) from!: string | null;
  @ApiProperty({ example: '2026-01-31', nullable: true, type: String }) to!: string | null;
  @ApiProperty({ example: null, nullable: true, type: String }) assignee_department!: string | null;
  @ApiProperty({ example: null, nullable: true, enum: TICKET_PRIORITIES, type: String }) priority!: string | null;
  @ApiProperty({ example: null, nullable: true, type: 'integer', format: 'int32' }) responsible_id!: number | null;
  @ApiProperty({ example: null, nullable: true, type: String }) service_category!: string | null;
}

export class SlaReportDto {
  @ApiProperty({ example: '2026-02-01T12:00:00.000Z', description: 'Instante do cálculo; referência para "vencido"' })
  generated_at!: string;

  @ApiProperty({ enum: SLA_REPORT_GROUP_BY, example: 'priority' })
  group_by!: SlaReportGroupBy;

  @ApiProperty({ type: SlaReportFiltersDto })
  filters!: SlaReportFiltersDto;

  @ApiProperty({ type: [SlaReportGroupDto], description: 'Vazio quando nenhum chamado atende aos filtros' })
  groups!: SlaReportGroupDto[];

  @ApiProperty({ type: SlaMetricsDto, description: 'Todos os chamados filtrados' })
  totals!: SlaMetricsDto;
}
