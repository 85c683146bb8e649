import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBadGatewayResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiConsumes,
  ApiCookieAuth,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AuthSessionsService } from '../auth/auth-sessions.service';
import type { AuthUser } from '../auth/auth-user';
import { AdminOnly } from '../auth/decorators/admin-only.decorator';
import { CurrentUser } from '../auth/decorators/current-user.decorator';
import { Public } from '../auth/decorators/public.decorator';
import { ApiIdParam, ParseIdPipe } from '../common/parse-id.pipe';
import { UserOutDto } from './dto/user-out.dto';
import { PhoneUpdateDto, UserRegisterDto, UserUpdateDto } from './dto/user-register.dto';
import { UploadedImage, UsersService } from './users.service';
import { AuthRateLimit } from '../security/rate-limit';

@ApiTags('Users')
@Controller('auth/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: AuthSessionsService,
  ) {}

  @Public()
  @AuthRateLimit()
  @Post()
  @ApiOperation({ summary: 'Cadastro de usuário (sign-up)' })
  @ApiCreatedResponse({ type: UserOutDto })
  @ApiConflictResponse({ description: 'E-mail, matrícula ou CPF já cadastrado (campo em `field`)' })
  async register(@Body() dto: UserRegisterDto): Promise<UserOutDto> {
    return this.users.toOut(await this.users.register(dto));
  }

  @Post('avatar')
  @HttpCode(200)
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @UseInterceptors(FileInterceptor('file'))
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] } })
  @ApiOperation({ summary: 'Envia a foto de perfil (PNG, JPEG, GIF ou WebP, verificada pelo conteúdo)' })
  @ApiOkResponse({ type: UserOutDto })
  @ApiBadRequestResponse({ description: 'Sem arquivo no campo `file`, multipart malformado ou conteúdo que não é imagem' })
  @ApiPayloadTooLargeResponse({ description: 'Imagem acima do limite' })
  @ApiBadGatewayResponse({ description: 'Falha do armazenamento (S3)' })
  async uploadAvatar(@CurrentUser() principal: AuthUser, @UploadedFile() file: UploadedImage | undefined): Promise<UserOutDto> {
    return this.users.toOut(await this.users.setAvatar(principal.id, file));
  }

  @Post('me/phone')
  @HttpCode(200)
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Atualiza o telefone do usuário autenticado' })
  @ApiOkResponse({ type: UserOutDto })
  async updatePhone(@CurrentUser() principal: AuthUser, @Body() dto: PhoneUpdateDto): Promise<UserOutDto> {
    return this.users.toOut(await this.users.setPhone(principal.id, dto.phone_number));
  }

  @AdminOnly()
  @Get(':user_id')
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Busca usuário por ID (admin)' })
  @ApiOkResponse({ type: UserOutDto })
  @ApiForbiddenResponse({ description: 'Apenas administradores' })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 1)
  async getUser(@Param('user_id', new ParseIdPipe('user_id')) userId: number): Promise<UserOutDto> {
    return this.users.toOut(await this.users.getById(userId));
  }

  @AdminOnly()
  @Put(':user_id')
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Atualiza usuário (admin)' })
  @ApiOkResponse({ type: UserOutDto })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiConflictResponse({ description: 'E-mail, matrícula ou CPF já cadastrado (campo em `field`)' })
  @ApiIdParam('user_id', 'ID local do usuário', 1)
  async updateUser(@Param('user_id', new ParseIdPipe('user_id')) userId: number, @Body() dto: UserUpdateDto): Promise<UserOutDto> {
    const user = await this.users.update(userId, dto);
    if (dto.is_active === false || dto.password !== undefined) await this.sessions.revokeAllOfUser(userId, 'admin_update');
    return this.users.toOut(user);
  }

  @AdminOnly()
  @Delete(':user_id')
  @ApiCookieAuth('cookie')
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Desativa usuário (admin); nenhuma linha é apagada' })
  @ApiOkResponse({ type: UserOutDto })
  @ApiNotFoundResponse({ description: 'Usuário não encontrado' })
  @ApiIdParam('user_id', 'ID local do usuário', 2)
  async deactivateUser(@Param('user_id', new ParseIdPipe('user_id')) userId: number): Promise<UserOutDto> {
    const user = await this.users.setActive(userId, false);
    await this.sessions.revokeAllOfUser(userId, 'deactivated');
    return this.users.toOut(user);
  }
}
