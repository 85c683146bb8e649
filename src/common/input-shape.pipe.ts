import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than any DTO of the API; class-transformer recurses per level and overflows the stack near 2,000. */
export const MAX_INPUT_DEPTH = 32;

/**
 * Runs before the ValidationPipe on bodies, queries and path params: refuses input nested deeper than
 * MAX_INPUT_DEPTH (a stack overflow, i.e. a 500, in class-transformer otherwise) and strings with a NUL
 * character (PostgreSQL text cannot store one: the query would fail with a 500).
 */
@Injectable()
export class InputShapePipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = findShapeProblem(value);
    if (problem) throw new BadRequestException(`${metadata.data ?? metadata.type}: ${problem}`);
    return value;
  }
}

/** Iterative (no recursion: the input is what may be too deep). */
export function findShapeProblem(value: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value === 'string') {
      if (item.value.includes('\u0000')) return 'caractere nulo (\\u0000) não é permitido';
    } else if (typeof item.value === 'object' && item.value !== null) {
      if (item.depth >= MAX_INPUT_DEPTH) return `estrutura aninhada além de ${MAX_INPUT_DEPTH} níveis`;
      for (const [key, child] of Object.entries(item.value)) {
        if (key.includes('\u0000')) return 'caractere nulo (\\u0000) não é permitido';
        stack.push({ value: child, depth: item.depth + 1 });
      }
    }
  }
  return undefined;
}
