import { ArgumentMetadata, BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Deeper than any DTO of the API; class-transformer recurses per level and overflows the stack near 2,000. */
export const MAX_INPUT_DEPTH = 32;

/** A problem of the request's shape, with the path of the value it was found at. */
export interface ShapeProblem {
  field: string;
  message: string;
}

/**
 * Runs before the ValidationPipe on bodies, queries and path params: refuses input nested deeper than
 * MAX_INPUT_DEPTH (a stack overflow, i.e. a 500, in class-transformer otherwise), strings with a NUL
 * character (PostgreSQL text cannot store one) and strings that are not well-formed UTF-16 (a lone
 * surrogate such as "\ud83d": validators that percent-encode throw URIError, and UTF-8 cannot store it).
 */
@Injectable()
export class InputShapePipe implements PipeTransform<unknown, unknown> {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const problem = findShapeProblem(value, metadata.data ?? '');
    if (problem) {
      const field = problem.field || metadata.type;
      const detail = `${field}: ${problem.message}`;
      throw new BadRequestException({ message: detail, detail, errors: [{ field, message: detail }] });
    }
    return value;
  }
}

function pathOf(parent: string, key: string, isArray: boolean): string {
  if (isArray) return `${parent}[${key}]`;
  return parent ? `${parent}.${key}` : key;
}

/** In `u` mode a surrogate pair is one code point: only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'caractere nulo (\\u0000) não é permitido';
  if (LONE_SURROGATE.test(text)) return 'texto com caractere UTF-16 inválido (surrogate isolado)';
  return undefined;
}

/** Iterative (no recursion: the input is what may be too deep). */
export function findShapeProblem(value: unknown, root = ''): ShapeProblem | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: root }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number; path: string };
    if (typeof item.value === 'string') {
      const message = stringProblem(item.value);
      if (message) return { field: item.path, message };
    } else if (typeof item.value === 'object' && item.value !== null) {
      if (item.depth >= MAX_INPUT_DEPTH) return { field: item.path, message: `estrutura aninhada além de ${MAX_INPUT_DEPTH} níveis` };
      const isArray = Array.isArray(item.value);
      for (const [key, child] of Object.entries(item.value)) {
        const message = stringProblem(key);
        if (message) return { field: item.path, message: `nome de campo inválido: ${message}` };
        stack.push({ value: child, depth: item.depth + 1, path: pathOf(item.path, key, isArray) });
      }
    }
  }
  return undefined;
}
