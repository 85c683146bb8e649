import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsObject, IsString, ValidateBy, ValidateNested, type ValidationArguments } from 'class-validator';
import { OptionalNullable } from '../../../common/validation/field.decorators';
import { base64UrlBytes, isAuthSecret, isP256PublicKey } from '../push-keys';

/** Endpoints of real push services are a few hundred characters (WNS's are the longest). */
export const MAX_ENDPOINT_LENGTH = 2048;
/** `expirationTime` is a JavaScript time value (ms since the epoch): at most the Date range. */
const MAX_TIME_VALUE = 8.64e15;

const EXAMPLE_ENDPOINT = 'https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bExemploDeEndpointDoNavegador';

const sizeOf = (value: unknown): string => {
  const bytes = typeof value === 'string' ? base64UrlBytes(value) : null;
  return bytes ? `${bytes.length} bytes` : 'texto que não é base64url';
};

/** Why an endpoint is not an https URL a push service could have given, or null. */
export function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'deve ser a URL https do serviço de push';
  }
  if (url.protocol !== 'https:') return 'deve ser uma URL https';
  if (url.username || url.password) return 'não pode ter usuário ou senha na URL';
  return null;
}

function EndpointField(): PropertyDecorator {
  return (target: object, property: string | symbol) => {
    ApiProperty({
      type: String,
      format: 'uri',
      maxLength: MAX_ENDPOINT_LENGTH,
      example: EXAMPLE_ENDPOINT,
      description: '`PushSubscription.endpoint`: a URL https do serviço de push do navegador (uma credencial: quem a tem envia a esse navegador)',
    })(target, property);
    IsString({ message: 'endpoint: deve ser um texto (a URL do serviço de push)' })(target, property);
    ValidateBy(
      { name: 'pushEndpoint', validator: { validate: (value: unknown) => typeof value !== 'string' || (value.length <= MAX_ENDPOINT_LENGTH && endpointProblem(value) === null) } },
      {
        message: (args: ValidationArguments) =>
          typeof args.value === 'string' && args.value.length > MAX_ENDPOINT_LENGTH
            ? `endpoint: no máximo ${MAX_ENDPOINT_LENGTH} caracteres`
            : `endpoint: ${endpointProblem(String(args.value)) ?? 'inválido'}`,
      },
    )(target, property);
  };
}

/** `PushSubscription.toJSON().keys`: what the sender encrypts to (RFC 8291). */
export class PushSubscriptionKeysDto {
  @ApiProperty({
    example: 'BOXKWt4fTG4Jso80_-94Wiu0kVfWaklva8AexCFQyDoh2vMo8v-bk9qyEzU64NkpP-Rh9Um7mTNPHPFByQdKePc',
    minLength: 86,
    maxLength: 88,
    description: 'Chave pública P-256 do navegador, não comprimida (65 bytes), em base64url',
  })
  @IsString({ message: 'p256dh: deve ser um texto em base64url' })
  @ValidateBy(
    { name: 'p256dh', validator: { validate: (value: unknown) => typeof value !== 'string' || isP256PublicKey(value) } },
    { message: (args: ValidationArguments) => `p256dh: deve ser uma chave pública P-256 não comprimida de 65 bytes em base64url (veio ${sizeOf(args.value)}${base64UrlBytes(String(args.value))?.length === 65 ? ', fora da curva' : ''})` },
  )
  p256dh!: string;

  @ApiProperty({ example: 'LrM5vtHeq6BkDbn7zXn5kg', minLength: 22, maxLength: 24, description: 'Segredo de autenticação do navegador (16 bytes), em base64url' })
  @IsString({ message: 'auth: deve ser um texto em base64url' })
  @ValidateBy(
    { name: 'authSecret', validator: { validate: (value: unknown) => typeof value !== 'string' || isAuthSecret(value) } },
    { message: (args: ValidationArguments) => `auth: deve ter 16 bytes em base64url (veio ${sizeOf(args.value)})` },
  )
  auth!: string;
}

/** The body of `POST /notifications/push-subscriptions`: `PushSubscription.toJSON()` exactly as the browser gives it. */
export class PushSubscriptionDto {
  @EndpointField()
  endpoint!: string;

  @ApiPropertyOptional({
    type: 'number',
    nullable: true,
    minimum: 0,
    maximum: MAX_TIME_VALUE,
    example: null,
    description: '`PushSubscription.expirationTime`: quando o serviço de push descarta a assinatura (ms desde 1970), ou null',
  })
  @OptionalNullable()
  @ValidateBy(
    { name: 'timeValue', validator: { validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_TIME_VALUE } },
    { message: 'expirationTime: deve ser um número (ms desde 1970) ou null' },
  )
  expirationTime?: number | null;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @IsDefined({ message: 'keys: campo obrigatório ({ p256dh, auth })' })
  @IsObject({ message: 'keys: deve ser um objeto { p256dh, auth }' })
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys!: PushSubscriptionKeysDto;
}

/** The body of `DELETE /notifications/push-subscriptions`. */
export class PushUnsubscribeDto {
  @ApiProperty({ type: String, maxLength: MAX_ENDPOINT_LENGTH, example: EXAMPLE_ENDPOINT, description: 'O `endpoint` da assinatura a remover' })
  @IsString({ message: 'endpoint: deve ser um texto (a URL do serviço de push)' })
  @ValidateBy(
    { name: 'endpointLength', validator: { validate: (value: unknown) => typeof value !== 'string' || (value.length >= 1 && value.length <= MAX_ENDPOINT_LENGTH) } },
    { message: `endpoint: entre 1 e ${MAX_ENDPOINT_LENGTH} caracteres` },
  )
  endpoint!: string;
}

/** One of the caller's browsers. The endpoint itself is not repeated: only its push service. */
export class PushSubscriptionOutDto {
  @ApiProperty({ type: 'integer', format: 'int32', example: 1 }) id!: number;
  @ApiProperty({ example: 'fcm.googleapis.com', description: 'O serviço de push (host do endpoint)' }) push_service!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: null }) expiration_time!: Date | null;
  @ApiProperty({ type: String, nullable: true, example: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0' }) user_agent!: string | null;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-02T10:30:00Z' }) created_at!: Date;
  @ApiProperty({ type: String, format: 'date-time', example: '2026-12-02T10:30:00Z', description: 'Último registro (re-registrar atualiza)' }) updated_at!: Date;
}

export class VapidPublicKeyDto {
  @ApiProperty({
    example: 'BE2thDoQxrciujYp2uX4ZqHc1QRpFERp73dF4589W6CIHvmwjMcBLM6QdW2caTQFi89lnXeLtYHUfQciLgAg-KM',
    description: 'A chave pública VAPID (base64url) para `pushManager.subscribe({ userVisibleOnly: true, applicationServerKey })`',
  })
  public_key!: string;
}
