import { applyDecorators, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiGatewayTimeoutResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { ApiIdParam, ParseIdPipe } from '../common/parse-id.pipe';
import { DealCardCreateDto, DealCardDto } from './dto/deal-card.dto';
import { StatusResponseDto, TicketCloseDto, TicketCommentDto, TicketSendEmailDto } from './dto/ticket-actions.dto';
import { TicketCreateDto } from './dto/ticket-create.dto';
import { TicketListQueryDto } from './dto/ticket-list-query.dto';
import { ConditionalCards, TicketListingService } from './ticket-listing.service';
import { TicketsService } from './tickets.service';

const SUCCESS: StatusResponseDto = { status: 'success' };

/** Ticket endpoints of seed §3.2 and `GET /kanban/cards`: paths, methods and status codes as the SPA expects. */
@ApiTags('Tickets')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@ApiBadGatewayResponse({ description: 'Falha do Bitrix24 ou do armazenamento (S3), com `detail`' })
@ApiGatewayTimeoutResponse({ description: 'Timeout do Bitrix24' })
@Controller()
export class TicketsController {
  constructor(
    private readonly tickets: TicketsService,
    private readonly listing: TicketListingService,
  ) {}

  @Post('ticket')
  @ApiOperation({ summary: 'Abre um chamado (deal no Bitrix24, anexos no Bitrix Disk e no S3, prazo pelo SLA)' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repetir com a mesma chave devolve o primeiro resultado sem criar outro chamado' })
  @ApiCreatedResponse({ type: DealCardCreateDto })
  @ApiBadRequestResponse({ description: 'Campo inválido (prioridade, categoria, base64, CPF...) — a mensagem nomeia o campo' })
  @ApiPayloadTooLargeResponse({ description: 'Anexo acima do limite por arquivo ou por requisição' })
  @ApiConflictResponse({ description: 'Uma requisição com o mesmo Idempotency-Key ainda está em andamento' })
  @ApiUnprocessableEntityResponse({ description: 'Idempotency-Key já usado com outro conteúdo' })
  async create(
    @CurrentUser() principal: AuthUser,
    @Body() dto: TicketCreateDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DealCardCreateDto> {
    const { card, replayed } = await this.tickets.createTicket(principal, dto, idempotencyKey);
    if (replayed) response.setHeader('Idempotent-Replayed', 'true');
    return card;
  }

  @Post('close-ticket')
  @HttpCode(200)
  @ApiOperation({ summary: 'Fecha o chamado (etapa ganha no Bitrix24) com avaliação de 1 a 5 e comentário' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiForbiddenResponse({ description: 'Apenas solicitante, responsável ou admin' })
  @ApiNotFoundResponse({ description: 'Chamado não encontrado' })
  @ApiConflictResponse({ description: 'O chamado já está fechado' })
  async close(@CurrentUser() principal: AuthUser, @Body() dto: TicketCloseDto): Promise<StatusResponseDto> {
    await this.tickets.closeTicket(principal, dto);
    return SUCCESS;
  }

  @Post('send-email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Envia um e-mail do chamado (SMTP ou Bitrix24, conforme EMAIL_DELIVERY) e o registra na timeline' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiForbiddenResponse({ description: 'Apenas solicitante, responsável ou admin' })
  @ApiNotFoundResponse({ description: 'Chamado não encontrado' })
  @ApiPayloadTooLargeResponse({ description: 'Anexo acima do limite por arquivo ou por requisição' })
  @ApiServiceUnavailableResponse({ description: 'Servidor SMTP (ou banco de dados) indisponível' })
  async sendEmail(@CurrentUser() principal: AuthUser, @Body() dto: TicketSendEmailDto): Promise<StatusResponseDto> {
    await this.tickets.sendEmail(principal, dto);
    return SUCCESS;
  }

  @Post('ticket/comment')
  @HttpCode(200)
  @ApiOperation({ summary: 'Adiciona um comentário (com anexos) à timeline do chamado' })
  @ApiOkResponse({ type: StatusResponseDto })
  @ApiForbiddenResponse({ description: 'Apenas solicitante, responsável ou admin' })
  @ApiNotFoundResponse({ description: 'Chamado não encontrado' })
  @ApiPayloadTooLargeResponse({ description: 'Anexo acima do limite por arquivo ou por requisição' })
  async comment(@CurrentUser() principal: AuthUser, @Body() dto: TicketCommentDto): Promise<StatusResponseDto> {
    await this.tickets.addComment(principal, dto);
    return SUCCESS;
  }

  @Get('tickets/:user_id')
  @ApiOperation({ summary: 'Chamados abertos pelo usuário (filtros e paginação opcionais)' })
  @ApiConditionalListing()
  @ApiForbiddenResponse({ description: '`user_id` de outro usuário (exceto admin)' })
  @ApiIdParam('user_id', 'ID local do usuário (o seu, ou qualquer um para admin)', 1)
  async listRequested(
    @CurrentUser() principal: AuthUser,
    @Param('user_id', new ParseIdPipe('user_id')) userId: number,
    @Query() query: TicketListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DealCardDto[] | undefined> {
    return answerConditionally(response, await this.listing.listForUser(principal, userId, 'requested', query, ifNoneMatch));
  }

  @Get('tickets-opens/:user_id')
  @ApiOperation({ summary: 'Chamados ainda não fechados abertos pelo usuário' })
  @ApiConditionalListing()
  @ApiForbiddenResponse({ description: '`user_id` de outro usuário (exceto admin)' })
  @ApiIdParam('user_id', 'ID local do usuário (o seu, ou qualquer um para admin)', 1)
  async listOpen(
    @CurrentUser() principal: AuthUser,
    @Param('user_id', new ParseIdPipe('user_id')) userId: number,
    @Query() query: TicketListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DealCardDto[] | undefined> {
    return answerConditionally(response, await this.listing.listForUser(principal, userId, 'requested-open', query, ifNoneMatch));
  }

  @Get('tickets-responsible/:user_id')
  @ApiOperation({ summary: 'Chamados em que o usuário é o responsável' })
  @ApiConditionalListing()
  @ApiForbiddenResponse({ description: '`user_id` de outro usuário (exceto admin)' })
  @ApiIdParam('user_id', 'ID local do usuário (o seu, ou qualquer um para admin)', 1)
  async listResponsible(
    @CurrentUser() principal: AuthUser,
    @Param('user_id', new ParseIdPipe('user_id')) userId: number,
    @Query() query: TicketListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DealCardDto[] | undefined> {
    return answerConditionally(response, await this.listing.listForUser(principal, userId, 'responsible', query, ifNoneMatch));
  }

  @Get('deal/:deal_id/:user_id')
  @ApiOperation({ summary: 'Um chamado (lista com um elemento), marcando-o como lido' })
  @ApiOkResponse({ type: [DealCardDto] })
  @ApiForbiddenResponse({ description: 'Sem acesso ao chamado ou `user_id` de outro usuário' })
  @ApiIdParam('deal_id', 'ID Bitrix do chamado (o primeiro do emulador é 1001)', 1001)
  @ApiIdParam('user_id', 'ID local do usuário (o seu, ou qualquer um para admin)', 1)
  @ApiNotFoundResponse({ description: 'Chamado não encontrado' })
  open(
    @CurrentUser() principal: AuthUser,
    @Param('deal_id', new ParseIdPipe('deal_id')) bitrixDealId: number,
    @Param('user_id', new ParseIdPipe('user_id')) userId: number,
  ): Promise<DealCardDto[]> {
    return this.listing.openTicket(principal, bitrixDealId, userId);
  }

  @Get('kanban/cards')
  @ApiOperation({ summary: 'Quadro kanban: todos os chamados (admin) ou os do departamento responsável do usuário' })
  @ApiConditionalListing()
  @ApiForbiddenResponse({ description: 'Nem admin nem equipe de um departamento responsável' })
  async kanban(
    @CurrentUser() principal: AuthUser,
    @Query() query: TicketListQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<DealCardDto[] | undefined> {
    return answerConditionally(response, await this.listing.kanban(principal, query, ifNoneMatch));
  }
}

/** A listing's OpenAPI: 200 with its ETag, 304 when `If-None-Match` names the current one. */
function ApiConditionalListing(): MethodDecorator {
  return applyDecorators(
    ApiHeader({ name: 'If-None-Match', required: false, description: 'ETag de uma resposta anterior: 304 sem corpo se nada mudou' }),
    ApiOkResponse({ type: [DealCardDto], headers: { ETag: { description: 'Validador da listagem (versões das linhas + período das URLs assinadas)', schema: { type: 'string' } } } }),
    ApiResponse({ status: 304, description: 'Nada mudou desde o ETag enviado em If-None-Match (sem corpo)' }),
  );
}

/**
 * The listing's validator on the response; 304 with no body when the client's copy is current. `no-cache`:
 * a client may keep the copy but must ask again (with If-None-Match) before using it.
 */
function answerConditionally(response: Response, answer: ConditionalCards): DealCardDto[] | undefined {
  response.setHeader('ETag', answer.etag);
  response.setHeader('Cache-Control', 'private, no-cache');
  if (answer.cards) return answer.cards;
  response.status(304);
  return undefined;
}
