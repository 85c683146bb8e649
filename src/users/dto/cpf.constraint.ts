import { ValidatorConstraint, ValidatorConstraintInterface } from 'class-validator';
import { isValidCpf } from '../cpf';

@ValidatorConstraint({ name: 'cpf' })
export class CpfConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return typeof value === 'string' && isValidCpf(value);
  }

  defaultMessage(): string {
    return 'cpf: CPF inválido';
  }
}
