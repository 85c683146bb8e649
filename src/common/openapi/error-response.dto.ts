import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One invalid field of a 400. */
export class FieldErrorDto {
  @ApiProperty({ example: 'deal_id', description: 'Caminho do campo no corpo, na query ou no path (`attachments[0].filename`)' })
  field!: string;

  @ApiProperty({ example: 'deal_id: deve ser um número inteiro entre 1 e 2147483647' })
  message!: string;
}

/**
 * The body of every error answer, on every status (HttpExceptionFilter). `detail` is what the SPA reads
 * (the FastAPI system's `HTTPException(detail=...)`); `message` is the same sentence.
 */
export class ErrorResponseDto {
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 400, maximum: 599, example: 400, description: 'O status HTTP da resposta' })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'A frase do status HTTP (em inglês, como o HTTP a define)' })
  error!: string;

  @ApiProperty({ example: 'deal_id: deve ser um número inteiro entre 1 e 2147483647', description: 'A mensagem para o usuário, em português (sempre um texto)' })
  message!: string;

  @ApiProperty({ example: 'deal_id: deve ser um número inteiro entre 1 e 2147483647', description: 'O mesmo texto de `message` (campo lido pelo SPA, como no sistema FastAPI)' })
  detail!: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'Em um 400 de validação: um item por campo inválido' })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({ example: 'email', description: 'O campo de que trata um 409 (duplicado) ou um erro de anexo' })
  field?: string;

  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'integer', format: 'int32' },
    description: 'IDs de arquivos do Bitrix Disk que uma abertura de chamado com falha não conseguiu remover',
  })
  orphaned_bitrix_file_ids?: number[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: 'Em `GET /health/ready`: o estado de cada dependência (banco, armazenamento, fila)',
  })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '0f8c1f0e-3a4b-4a8e-9d55-5b2f6f7c9a10', description: 'O mesmo valor do cabeçalho X-Request-Id (para o log)' })
  request_id?: string;
}
