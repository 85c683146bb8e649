import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { TextField } from '../../common/validation/field.decorators';

export const AVAILABILITY_FIELDS = ['email', 'matricula', 'cpf'] as const;
export type AvailabilityField = (typeof AVAILABILITY_FIELDS)[number];

export class CheckAvailabilityQuery {
  @ApiProperty({ enum: AVAILABILITY_FIELDS, example: 'email' })
  @IsIn(AVAILABILITY_FIELDS, { message: 'field: deve ser email, matricula ou cpf' })
  field!: AvailabilityField;

  @TextField({ maxLength: 128, example: 'teste@email.com', description: 'O e-mail, a matrícula ou o CPF a conferir' })
  value!: string;
}
