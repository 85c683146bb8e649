import { Module } from '@nestjs/common';
import { ReportsController } from './reports.controller';
import { ReportsService } from './reports.service';
import { SlaReportRepository } from './sla-report.repository';

/** Read-only SLA and satisfaction reports over the local `deals` mirror (SPEC §8). */
@Module({
  controllers: [ReportsController],
  providers: [ReportsService, SlaReportRepository],
})
export class ReportsModule {}
