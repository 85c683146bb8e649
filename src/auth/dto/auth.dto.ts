import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { TextField } from '../../common/validation/field.decorators';
import { UserOutDto } from '../../users/dto/user-out.dto';

export class UserLoginDto {
  @TextField({ maxLength: 15, example: '1', description: 'Matrícula (o exemplo é o admin do modo embutido, cuja senha o `npm start` mostra)' })
  matricula!: string;

  @ApiProperty({ example: 'SenhaSegura123', minLength: 1, maxLength: 128, format: 'password' })
  @IsString({ message: 'password: deve ser um texto' })
  @MinLength(1, { message: 'password: não pode ser vazio' })
  @MaxLength(128, { message: 'password: no máximo 128 caracteres' })
  password!: string;
}

export class TokenPairDto {
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIs...' }) access_token!: string;
  @ApiProperty({ example: 'eyJhbGciOiJIUzI1NiIs...' }) refresh_token!: string;
  @ApiProperty({ example: 'bearer' }) token_type!: 'bearer';
}

export class LoginResponseDto {
  @ApiProperty({ type: TokenPairDto }) token!: TokenPairDto;
  @ApiProperty({ type: UserOutDto }) user!: UserOutDto;
}

export class RefreshTokenDto {
  @TextField({ optional: true, trim: false, maxLength: 2048, description: 'Só para clientes sem cookies; navegadores enviam o cookie refresh_token.' })
  refresh_token?: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'joao.silva@carvalima.com', format: 'email', maxLength: 128 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail({}, { message: 'email: formato de e-mail inválido' })
  @MaxLength(128, { message: 'email: no máximo 128 caracteres' })
  email!: string;
}

export class ResetPasswordDto {
  @TextField({ maxLength: 256, description: 'O token recebido por e-mail' })
  token!: string;

  @ApiProperty({ example: 'NovaSenhaSegura123', minLength: 8, maxLength: 72, format: 'password' })
  @IsString({ message: 'new_password: deve ser um texto' })
  @MinLength(8, { message: 'new_password: a senha deve ter pelo menos 8 caracteres' })
  @MaxLength(72, { message: 'new_password: a senha deve ter no máximo 72 caracteres' })
  new_password!: string;
}

export class MessageDto {
  @ApiProperty({ example: 'Logout realizado' }) message!: string;
}
