import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsString, Matches, MaxLength, MinLength, Validate, ValidateIf } from 'class-validator';
import { OptionalNullable, TextField } from '../../common/validation/field.decorators';
import { CpfConstraint } from './cpf.constraint';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/** Sign-up body (`UserRegister` of the seed). */
export class UserRegisterDto {
  @TextField({ maxLength: 64, example: 'João Silva' })
  full_name!: string;

  @ApiProperty({ example: 'joao.silva@carvalima.com', format: 'email', maxLength: 128 })
  @Transform(lower)
  @IsEmail({}, { message: 'email: formato de e-mail inválido' })
  @MaxLength(128, { message: 'email: no máximo 128 caracteres' })
  email!: string;

  @ApiProperty({ example: 'SenhaSegura123', minLength: 8, maxLength: 72, format: 'password' })
  @IsString({ message: 'password: deve ser um texto' })
  @MinLength(8, { message: 'password: a senha deve ter pelo menos 8 caracteres' })
  @MaxLength(72, { message: 'password: a senha deve ter no máximo 72 caracteres' })
  password!: string;

  @TextField({ maxLength: 64, example: 'TI' })
  department!: string;

  @TextField({ maxLength: 64, example: 'Matriz' })
  filial!: string;

  @ApiProperty({ example: '529.982.247-25', maxLength: 14, description: 'Dígitos verificadores conferidos; guardado cifrado.' })
  @Transform(trim)
  @IsString({ message: 'cpf: deve ser um texto' })
  @Validate(CpfConstraint)
  cpf!: string;

  @ApiProperty({ example: '12345678', pattern: '^[1-9]\\d{0,7}$', description: 'Numérica, até 8 dígitos, sem zero à esquerda.' })
  @Transform(trim)
  @IsString({ message: 'matricula: deve ser um texto' })
  @Matches(/^[1-9]\d{0,7}$/, { message: 'matricula: deve ser numérica, com até 8 dígitos e sem zero à esquerda' })
  matricula!: string;

  @ApiPropertyOptional({ example: '+55 11 98765-4321', maxLength: 20 })
  @OptionalNullable()
  @Transform(trim)
  @IsString({ message: 'phone_number: deve ser um texto' })
  @Matches(/^\+?[\d\s()-]{8,20}$/, { message: 'phone_number: telefone inválido' })
  phone_number?: string;
}

/**
 * Admin update: any field of UserRegister, plus the flags only admins may change. `null` is refused
 * (400 naming the field: those columns are NOT NULL), except `phone_number: null`, which clears the phone.
 */
export class UserUpdateDto extends PartialType(UserRegisterDto, { skipNullProperties: false }) {
  @ApiPropertyOptional({ example: '+55 11 98765-4321', maxLength: 20, nullable: true, type: String, description: '`null` apaga o telefone' })
  override phone_number?: string;

  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'is_admin: deve ser true ou false' })
  is_admin?: boolean;

  @ApiPropertyOptional({ type: Boolean })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsBoolean({ message: 'is_active: deve ser true ou false' })
  is_active?: boolean;
}

export class PhoneUpdateDto {
  @ApiProperty({ example: '+55 11 98765-4321' })
  @Transform(trim)
  @IsString()
  @Matches(/^\+?[\d\s()-]{8,20}$/, { message: 'phone_number: telefone inválido' })
  phone_number!: string;
}
