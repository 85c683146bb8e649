import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsNotEmpty, IsOptional, IsString, Matches, MaxLength, MinLength, Validate } from 'class-validator';
import { CpfConstraint } from './cpf.constraint';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** Sign-up body (`UserRegister` of the seed). */
export class UserRegisterDto {
  @ApiProperty({ example: 'João Silva', maxLength: 64 })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  full_name!: string;

  @ApiProperty({ example: 'joao.silva@carvalima.com' })
  @Transform(lower)
  @IsEmail({}, { message: 'email: formato de e-mail inválido' })
  @MaxLength(128)
  email!: string;

  @ApiProperty({ example: 'SenhaSegura123', minLength: 8 })
  @IsString()
  @MinLength(8, { message: 'password: a senha deve ter pelo menos 8 caracteres' })
  @MaxLength(72, { message: 'password: a senha deve ter no máximo 72 caracteres' })
  password!: string;

  @ApiProperty({ example: 'TI' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  department!: string;

  @ApiProperty({ example: 'Matriz' })
  @Transform(trim)
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  filial!: string;

  @ApiProperty({ example: '529.982.247-25', description: 'Validated by check digits; stored encrypted.' })
  @Transform(trim)
  @IsString()
  @Validate(CpfConstraint)
  cpf!: string;

  @ApiProperty({ example: '12345678', description: 'Numeric, at most 8 digits, no leading zero.' })
  @Transform(trim)
  @IsString()
  @Matches(/^[1-9]\d{0,7}$/, { message: 'matricula: deve ser numérica, com até 8 dígitos e sem zero à esquerda' })
  matricula!: string;

  @ApiPropertyOptional({ example: '+55 11 98765-4321' })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @Matches(/^\+?[\d\s()-]{8,20}$/, { message: 'phone_number: telefone inválido' })
  phone_number?: string;
}

/** Admin update: any field of UserRegister, plus the flags only admins may change. */
export class UserUpdateDto extends PartialType(UserRegisterDto) {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  is_admin?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;
}

export class PhoneUpdateDto {
  @ApiProperty({ example: '+55 11 98765-4321' })
  @Transform(trim)
  @IsString()
  @Matches(/^\+?[\d\s()-]{8,20}$/, { message: 'phone_number: telefone inválido' })
  phone_number!: string;
}
