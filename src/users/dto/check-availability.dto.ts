import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';

export const AVAILABILITY_FIELDS = ['email', 'matricula', 'cpf'] as const;
export type AvailabilityField = (typeof AVAILABILITY_FIELDS)[number];

export class CheckAvailabilityQuery {
  @ApiProperty({ enum: AVAILABILITY_FIELDS, example: 'email' })
  @IsIn(AVAILABILITY_FIELDS, { message: 'field: deve ser email, matricula ou cpf' })
  field!: AvailabilityField;

  @ApiProperty({ example: 'teste@email.com' })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  value!: string;
}
