import { Controller, Get, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiCookieAuth,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { SlaReportQueryDto } from './dto/sla-report-query.dto';
import { SlaReportDto } from './dto/sla-report.dto';
import { ReportsService } from './reports.service';

@ApiTags('Reports')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@ApiUnauthorizedResponse({ description: 'Sem login' })
@ApiForbiddenResponse({ description: 'Apenas administradores e líderes do departamento responsável (um líder só vê os seus departamentos)' })
@ApiBadRequestResponse({ description: 'Filtro inválido (a mensagem cita o campo) ou `from` depois de `to`' })
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportsService) {}

  // Declared before `sla` so the literal `sla.csv` is matched first.
  @Get('sla.csv')
  @ApiOperation({ summary: 'Relatório de SLA e satisfação em CSV (admin ou líder do departamento)', description: 'Mesmos dados e filtros de `GET /reports/sla`; uma linha por grupo e uma linha `total`.' })
  @ApiProduces('text/csv')
  @ApiOkResponse({
    description: 'CSV (UTF-8) com cabeçalho; `Content-Disposition: attachment; filename="sla-report-<from>-<to>.csv"`',
    schema: {
      type: 'string',
      example:
        'row_type,group_by,key,label,opened,closed,open,open_overdue,closed_with_deadline,closed_within_sla,pct_closed_within_sla,median_hours_to_close,p90_hours_to_close,mean_rating,ratings_count\n' +
        'group,priority,Alto,Alto,10,8,2,1,8,6,75,3.5,7.2,4.5,4\n' +
        'total,priority,,Total,10,8,2,1,8,6,75,3.5,7.2,4.5,4\n',
    },
  })
  async slaCsv(@CurrentUser() principal: AuthUser, @Query() query: SlaReportQueryDto, @Res({ passthrough: true }) res: Response): Promise<string> {
    const file = await this.reports.slaReportCsv(principal, query);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
    return file.content;
  }

  @Get('sla')
  @ApiOperation({
    summary: 'Relatório de SLA e satisfação (admin ou líder do departamento)',
    description:
      'Por grupo (`group_by`) e no total: abertos, fechados, em aberto, em aberto vencidos, % fechados no prazo, ' +
      'mediana e p90 de horas até o fechamento, média e número de avaliações. Período sobre a data de abertura (`created_at`). ' +
      'Chamados sem prazo (`date_deadline`) contam em abertos/fechados, mas nunca como vencidos nem no percentual de SLA. ' +
      'Um líder de departamento vê só o seu: sem `assignee_department`, o relatório é o do seu departamento (se lidera vários, informe qual).',
  })
  @ApiOkResponse({ type: SlaReportDto })
  async sla(@CurrentUser() principal: AuthUser, @Query() query: SlaReportQueryDto): Promise<SlaReportDto> {
    return this.reports.slaReport(principal, query);
  }
}
