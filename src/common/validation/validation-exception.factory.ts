import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

/** One invalid field of a request: the path (`attachments[0].filename`) and a Portuguese message naming it. */
export interface FieldError {
  field: string;
  message: string;
}

/** Portuguese wording of the class-validator constraints used without a message of their own. */
const CONSTRAINT_MESSAGES: Record<string, string> = {
  isDefined: 'campo obrigatório',
  isString: 'deve ser um texto',
  isNotEmpty: 'não pode ser vazio',
  isInt: 'deve ser um número inteiro',
  isNumber: 'deve ser um número',
  isBoolean: 'deve ser true ou false',
  isEmail: 'e-mail inválido',
  isIn: 'valor não permitido',
  isEnum: 'valor não permitido',
  isArray: 'deve ser uma lista',
  arrayMaxSize: 'lista com itens demais',
  arrayMinSize: 'lista com itens de menos',
  maxLength: 'texto longo demais',
  minLength: 'texto curto demais',
  matches: 'formato inválido',
  min: 'valor abaixo do mínimo',
  max: 'valor acima do máximo',
  isUuid: 'deve ser um UUID',
  isObject: 'deve ser um objeto',
  nestedValidation: 'deve ser um objeto',
  whitelistValidation: 'campo não permitido',
};

/** Which failed constraint explains a field best: presence and type first, then the finer rules. */
const PRIORITY = ['isDefined', 'whitelistValidation', 'isArray', 'nestedValidation', 'isString', 'boundedInteger', 'isInt', 'isBoolean', 'isNotEmpty', 'textLength'];

function rank(constraint: string): number {
  const index = PRIORITY.indexOf(constraint);
  return index === -1 ? PRIORITY.length : index;
}

function messageFor(field: string, error: ValidationError): string {
  const constraints = Object.entries(error.constraints ?? {}).sort(([a], [b]) => rank(a) - rank(b));
  if (error.value === undefined) {
    const own = constraints.find(([name]) => name === 'isIn' || name === 'boundedInteger');
    // A missing field: say so, except where the field's own message lists the values it takes.
    return own?.[1] && own[0] === 'isIn' ? own[1] : `${field}: campo obrigatório`;
  }
  if (error.value === null) return `${field}: não pode ser nulo`;
  const [name, text] = constraints[0] ?? ['', ''];
  // class-validator words this one itself (in English), whatever the options say.
  if (name === 'nestedValidation') return `${field}: deve ser um objeto (ou uma lista de objetos)`;
  if (text) return text.startsWith(`${error.property}:`) ? text.replace(`${error.property}:`, `${field}:`) : text;
  return `${field}: ${CONSTRAINT_MESSAGES[name] ?? 'valor inválido'}`;
}

function childPath(parent: string, property: string): string {
  if (/^\d+$/.test(property)) return `${parent}[${property}]`;
  return parent ? `${parent}.${property}` : property;
}

/** Flattens class-validator's tree into one error per field, in request order. */
export function fieldErrorsOf(errors: ValidationError[], parent = ''): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = childPath(parent, error.property);
    if (error.constraints && Object.keys(error.constraints).length > 0) out.push({ field, message: messageFor(field, error) });
    if (error.children?.length) out.push(...fieldErrorsOf(error.children, field));
  }
  return out;
}

/** The ValidationPipe's 400: `message`/`detail` one sentence listing the fields, `errors` one entry per field. */
export function validationException(errors: ValidationError[]): BadRequestException {
  const fieldErrors = fieldErrorsOf(errors);
  const detail = fieldErrors.length > 0 ? fieldErrors.map((e) => e.message).join('; ') : 'Dados inválidos';
  return new BadRequestException({ message: detail, detail, errors: fieldErrors });
}
