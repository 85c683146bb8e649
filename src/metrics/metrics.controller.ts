import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/decorators/public.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('Health')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Public()
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Métricas Prometheus (latência HTTP por rota, chamadas e erros do Bitrix24, fila, sockets)' })
  @ApiOkResponse({
    description: 'Formato de exposição de texto do Prometheus 0.0.4',
    schema: { type: 'string', example: '# HELP http_requests_total Total HTTP requests\n# TYPE http_requests_total counter\n' },
  })
  render(): Promise<string> {
    return this.metrics.render();
  }
}
