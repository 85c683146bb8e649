import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/decorators/public.decorator';
import { StorageService } from '../storage/storage.service';
import { WebhookQueueService } from '../webhook/webhook-queue.service';

@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly storage: StorageService,
    private readonly queue: WebhookQueueService,
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness: o processo responde' })
  @ApiOkResponse({ schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } }, example: { status: 'ok' } } })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: banco, armazenamento e fila de jobs acessíveis (503 senão, com `details`)' })
  readiness(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.db.pingCheck('database', { timeout: 3000 }),
      () => this.probe('storage', async () => void (await this.storage.ping())),
      () =>
        this.probe('queue', async () => ({
          inbox_pending: await this.queue.inboxBacklog(),
          jobs: await this.queue.countByState(),
        })),
    ]);
  }

  /** Runs a check; up (with its details) when it resolves, down with the error message when it throws. */
  private async probe(key: string, check: () => Promise<Record<string, unknown> | void>) {
    const indicator = this.indicators.check(key);
    try {
      return indicator.up((await check()) ?? undefined);
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    }
  }
}
