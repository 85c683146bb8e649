import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsNotEmpty, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { UserOutDto } from '../../users/dto/user-out.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class UserLoginDto {
  @ApiProperty({ example: '12345678' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(15)
  matricula!: string;

  @ApiProperty({ example: 'SenhaSegura123' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
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
  @ApiPropertyOptional({ description: 'Only for clients without cookies; browsers send the refresh_token cookie.' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  refresh_token?: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'joao.silva@carvalima.com' })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value))
  @IsEmail({}, { message: 'email: formato de e-mail inválido' })
  @MaxLength(128)
  email!: string;
}

export class ResetPasswordDto {
  @ApiProperty({ description: 'The token received by e-mail' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  token!: string;

  @ApiProperty({ example: 'NovaSenhaSegura123', minLength: 8 })
  @IsString()
  @MinLength(8, { message: 'new_password: a senha deve ter pelo menos 8 caracteres' })
  @MaxLength(72)
  new_password!: string;
}

export class MessageDto {
  @ApiProperty({ example: 'Logout realizado' }) message!: string;
}
