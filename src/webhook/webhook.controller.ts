import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCookieAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../auth/decorators/admin-only.decorator';
import { Public } from '../auth/decorators/public.decorator';
import {
  FailedWebhookEventListDto,
  FailedWebhookEventsQueryDto,
  ReplayAllResultDto,
  ReplayedWebhookEventDto,
} from './dto/failed-webhook-event.dto';
import { WebhookFailuresService } from './webhook-failures.service';
import { WebhookIntakeService } from './webhook-intake.service';
import { WebhookRateLimit } from '../security/rate-limit';

@ApiTags('webhook')
@Controller('webhook-bitrix24')
export class WebhookController {
  constructor(
    private readonly intake: WebhookIntakeService,
    private readonly failures: WebhookFailuresService,
  ) {}

  @Public()
  @WebhookRateLimit()
  @Post()
  @HttpCode(200)
  // The seed (FastAPI) answers the JSON string "OK".
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOperation({
    summary: 'Recebe eventos de saída do Bitrix24',
    description:
      'Corpo form-urlencoded com chaves estilo PHP (`event`, `data[FIELDS][ID]`, `data[ID]`, `auth[application_token]`, `ts`) ou JSON com a mesma estrutura. ' +
      'O token é conferido (401 se inválido); o evento é gravado na fila antes da resposta `"OK"`; o processamento é assíncrono. ' +
      'Eventos: ONCRMDEALADD/UPDATE/DELETE, ONCRMACTIVITYADD/UPDATE/DELETE, ONCRMTIMELINECOMMENTADD, ONIMEMAILMESSAGEADD; outros são ignorados (200).',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiProduces('application/json')
  @ApiBody({
    schema: {
      type: 'object',
      example: { event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': '1001', ts: '1766047124', 'auth[application_token]': '<token>' },
    },
  })
  @ApiOkResponse({ schema: { type: 'string', example: 'OK' } })
  async receive(@Body() body: unknown): Promise<string> {
    await this.intake.accept(body);
    return JSON.stringify('OK');
  }

  @AdminOnly()
  @Get('failed')
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Lista eventos do Bitrix24 que falharam após todas as tentativas (admin)' })
  @ApiOkResponse({ type: FailedWebhookEventListDto })
  listFailed(@Query() query: FailedWebhookEventsQueryDto): Promise<FailedWebhookEventListDto> {
    return this.failures.list(query.limit ?? 50, query.offset ?? 0);
  }

  @AdminOnly()
  @Post('failed/replay')
  @HttpCode(202)
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Reprocessa todos os eventos com falha (admin)' })
  @ApiOkResponse({ type: ReplayAllResultDto })
  replayAll(): Promise<ReplayAllResultDto> {
    return this.failures.replayAll();
  }

  @AdminOnly()
  @Post('failed/:id/replay')
  @HttpCode(202)
  @ApiCookieAuth('cookie')
  @ApiOperation({ summary: 'Reprocessa um evento com falha (admin): enfileira uma cópia com novas tentativas' })
  @ApiOkResponse({ type: ReplayedWebhookEventDto })
  replay(@Param('id', new ParseUUIDPipe()) id: string): Promise<ReplayedWebhookEventDto> {
    return this.failures.replay(id);
  }
}
