import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCookieAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthUser } from '../auth/auth-user';
import { AdminOnly } from '../auth/decorators/admin-only.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { ApiIdParam, ParseIdPipe } from '../common/parse-id.pipe';
import { DeadLettersService } from './dead-letters.service';
import {
  DeadLetterListDto,
  DeadLettersQueryDto,
  NotificationChannelCreateDto,
  NotificationChannelDto,
  NotificationChannelUpdateDto,
  ReplayedDeliveriesDto,
} from './dto/notification-channel.dto';
import { NotificationPreferencesDto, NotificationPreferencesUpdateDto } from './dto/notification-preferences.dto';
import { NotificationSettingsService } from './notification-settings.service';

/** Notifications (issue #19): a person's preferences; admins' department channels and dead letters. */
@ApiTags('Notifications')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@Controller('notifications')
export class NotificationsController {
  constructor(
    private readonly settings: NotificationSettingsService,
    private readonly deadLetters: DeadLettersService,
  ) {}

  @Get('preferences')
  @ApiOperation({ summary: 'Suas preferências de notificação: que eventos chegam a você, por canal' })
  @ApiOkResponse({ type: NotificationPreferencesDto })
  preferences(@CurrentUser() user: AuthUser): Promise<NotificationPreferencesDto> {
    return this.settings.preferencesOf(user.id);
  }

  @Put('preferences')
  @ApiOperation({
    summary: 'Muda suas preferências de notificação',
    description: 'Só os eventos/canais enviados mudam. `teams_url`/`slack_url` definem (ou, com `null`, removem) seus webhooks pessoais.',
  })
  @ApiOkResponse({ type: NotificationPreferencesDto, description: 'As preferências depois da mudança' })
  updatePreferences(@CurrentUser() user: AuthUser, @Body() dto: NotificationPreferencesUpdateDto): Promise<NotificationPreferencesDto> {
    return this.settings.updatePreferences(user.id, dto);
  }

  @AdminOnly()
  @Get('channels')
  @ApiOperation({ summary: 'Canais de notificação dos departamentos: Teams e Slack (admin)' })
  @ApiOkResponse({ type: [NotificationChannelDto] })
  listChannels(): Promise<NotificationChannelDto[]> {
    return this.settings.listChannels();
  }

  @AdminOnly()
  @Post('channels')
  @ApiOperation({ summary: 'Cadastra o canal Teams/Slack de um departamento (admin)' })
  @ApiCreatedResponse({ type: NotificationChannelDto })
  createChannel(@Body() dto: NotificationChannelCreateDto): Promise<NotificationChannelDto> {
    return this.settings.createChannel(dto);
  }

  @AdminOnly()
  @Put('channels/:id')
  @ApiOperation({ summary: 'Muda um canal de departamento (admin); só os campos enviados mudam' })
  @ApiIdParam('id', 'ID do canal', 1)
  @ApiOkResponse({ type: NotificationChannelDto })
  @ApiNotFoundResponse({ description: 'Canal não encontrado' })
  updateChannel(@Param('id', new ParseIdPipe('id')) id: number, @Body() dto: NotificationChannelUpdateDto): Promise<NotificationChannelDto> {
    return this.settings.updateChannel(id, dto);
  }

  @AdminOnly()
  @Delete('channels/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove um canal de departamento (admin); entregas pendentes para ele são canceladas' })
  @ApiIdParam('id', 'ID do canal', 1)
  @ApiNoContentResponse({ description: 'Removido' })
  @ApiNotFoundResponse({ description: 'Canal não encontrado' })
  deleteChannel(@Param('id', new ParseIdPipe('id')) id: number): Promise<void> {
    return this.settings.deleteChannel(id);
  }

  @AdminOnly()
  @Get('dead-letters')
  @ApiOperation({ summary: 'Notificações que falharam após todas as tentativas ou foram recusadas (admin)' })
  @ApiOkResponse({ type: DeadLetterListDto })
  listDeadLetters(@Query() query: DeadLettersQueryDto): Promise<DeadLetterListDto> {
    return this.deadLetters.list(query.limit ?? 50, query.offset ?? 0);
  }

  @AdminOnly()
  @Post('dead-letters/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Reenvia todas as notificações que falharam (admin; até 1000 por chamada)' })
  @ApiAcceptedResponse({ type: ReplayedDeliveriesDto })
  replayAll(): Promise<ReplayedDeliveriesDto> {
    return this.deadLetters.replayAll();
  }

  @AdminOnly()
  @Post('dead-letters/:id/replay')
  @HttpCode(202)
  @ApiOperation({ summary: 'Reenvia uma notificação que falhou (admin), com novas tentativas' })
  @ApiIdParam('id', 'O `id` de uma entrega de GET /notifications/dead-letters', 1)
  @ApiAcceptedResponse({ type: ReplayedDeliveriesDto })
  @ApiNotFoundResponse({ description: 'Entrega com falha não encontrada' })
  replay(@Param('id', new ParseIdPipe('id')) id: number): Promise<ReplayedDeliveriesDto> {
    return this.deadLetters.replay(id);
  }
}
