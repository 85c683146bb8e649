import { Body, Controller, Delete, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiCookieAuth, ApiCreatedResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { AuthUser } from '../../auth/auth-user';
import { CurrentUser } from '../../auth/decorators/current-user.decorator';
import { PushSubscriptionDto, PushSubscriptionOutDto, PushUnsubscribeDto, VapidPublicKeyDto } from './dto/push-subscription.dto';
import { PushSubscription } from './push-subscription.entity';
import { PUSH_OFF, PushSubscriptionsService } from './push-subscriptions.service';

const toOut = (s: PushSubscription): PushSubscriptionOutDto => ({
  id: s.id,
  push_service: new URL(s.endpoint).hostname,
  expiration_time: s.expirationTime,
  user_agent: s.userAgent,
  created_at: s.createdAt,
  updated_at: s.updatedAt,
});

/** Browser push (issue #19): each person registers and removes their own browsers' subscriptions. */
@ApiTags('Notifications')
@ApiCookieAuth('cookie')
@ApiBearerAuth('bearer')
@Controller('notifications')
export class PushSubscriptionsController {
  constructor(private readonly push: PushSubscriptionsService) {}

  @Get('vapid-public-key')
  @ApiOperation({ summary: 'Chave pública VAPID, para o navegador assinar as notificações push' })
  @ApiOkResponse({ type: VapidPublicKeyDto })
  @ApiNotFoundResponse({ description: PUSH_OFF })
  vapidPublicKey(): VapidPublicKeyDto {
    return { public_key: this.push.vapidPublicKey() };
  }

  @Get('push-subscriptions')
  @ApiOperation({ summary: 'Os navegadores do usuário logado que recebem notificações push' })
  @ApiOkResponse({ type: [PushSubscriptionOutDto] })
  @ApiNotFoundResponse({ description: PUSH_OFF })
  async list(@CurrentUser() user: AuthUser): Promise<PushSubscriptionOutDto[]> {
    return (await this.push.ownSubscriptions(user.id)).map(toOut);
  }

  @Post('push-subscriptions')
  @ApiOperation({
    summary: 'Registra o navegador (o `PushSubscription.toJSON()` dele) para receber notificações push',
    description:
      'Idempotente pelo `endpoint`: registrar de novo atualiza (200). Um endpoint registrado por outra pessoa passa para quem o registra ' +
      '(um navegador é de uma pessoa por vez). Acima de `PUSH_MAX_SUBSCRIPTIONS_PER_USER` navegadores, o registrado há mais tempo sai.',
  })
  @ApiBody({ type: PushSubscriptionDto })
  @ApiCreatedResponse({ type: PushSubscriptionOutDto, description: 'Registrado' })
  @ApiOkResponse({ type: PushSubscriptionOutDto, description: 'Já estava registrado: atualizado' })
  @ApiNotFoundResponse({ description: PUSH_OFF })
  async register(@CurrentUser() user: AuthUser, @Body() dto: PushSubscriptionDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<PushSubscriptionOutDto> {
    const { subscription, created } = await this.push.register(user.id, dto, req.get('user-agent'));
    res.status(created ? 201 : 200);
    return toOut(subscription);
  }

  @Delete('push-subscriptions')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Remove a assinatura push deste navegador (pelo `endpoint`, no corpo)',
    description: 'Só as do próprio usuário. Idempotente: 204 também quando o endpoint não está registrado para ele.',
  })
  @ApiBody({ type: PushUnsubscribeDto })
  @ApiNoContentResponse({ description: 'Removida (ou não estava registrada para este usuário)' })
  @ApiNotFoundResponse({ description: PUSH_OFF })
  async unregister(@CurrentUser() user: AuthUser, @Body() dto: PushUnsubscribeDto): Promise<void> {
    await this.push.unregister(user.id, dto.endpoint);
  }
}
