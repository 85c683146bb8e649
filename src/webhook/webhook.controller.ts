import { BadRequestException, Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiCookieAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
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

function invalidUuid(field: string): BadRequestException {
  const detail = `${field}: deve ser um UUID`;
  return new BadRequestException({ message: detail, detail, errors: [{ field, message: detail }] });
}

@ApiTags('Webhook')
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
  @ApiOkResponse({ description: 'Evento gravado (ou ignorado, se desconhecido)', schema: { type: 'string', example: 'OK' } })
  @ApiUnauthorizedResponse({ description: '`auth[application_token]` ausente ou diferente de BITRIX_APP_TOKEN' })
  @ApiServiceUnavailableResponse({ description: 'O evento não pôde ser gravado: nada foi confirmado (o Bitrix24 não reenvia; a reconciliação recupera)' })
  async receive(@Body() body: unknown): Promise<string> {
    await this.intake.accept(body);
    return JSON.stringify('OK');
  }

  @AdminOnly()
  @Get('failed')
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Lista eventos do Bitrix24 que falharam após todas as tentativas (admin)' })
  @ApiOkResponse({ type: FailedWebhookEventListDto })
  listFailed(@Query() query: FailedWebhookEventsQueryDto): Promise<FailedWebhookEventListDto> {
    return this.failures.list(query.limit ?? 50, query.offset ?? 0);
  }

  @AdminOnly()
  @Post('failed/replay')
  @HttpCode(202)
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Reprocessa todos os eventos com falha (admin)' })
  @ApiAcceptedResponse({ type: ReplayAllResultDto, description: 'Eventos enfileirados de novo' })
  replayAll(): Promise<ReplayAllResultDto> {
    return this.failures.replayAll();
  }

  @AdminOnly()
  @Post('failed/:id/replay')
  @HttpCode(202)
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Reprocessa um evento com falha (admin): enfileira uma cópia com novas tentativas' })
  @ApiParam({ name: 'id', description: 'O `id` de um evento de GET /webhook-bitrix24/failed', schema: { type: 'string', format: 'uuid' } })
  @ApiAcceptedResponse({ type: ReplayedWebhookEventDto, description: 'Cópia do evento enfileirada' })
  @ApiNotFoundResponse({ description: 'Evento com falha não encontrado' })
  replay(@Param('id', new ParseUUIDPipe({ exceptionFactory: () => invalidUuid('id') })) id: string): Promise<ReplayedWebhookEventDto> {
    return this.failures.replay(id);
  }
}
