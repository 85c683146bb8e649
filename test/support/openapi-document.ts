/** Reading the app's OpenAPI document (/docs-json) in tests: its types, $ref resolution, samples, schema checks. */

/** The parts of an OpenAPI 3 document the tests read. */
export interface SchemaObject {
  $ref?: string;
  type?: string;
  format?: string;
  properties?: Record<string, SchemaObject>;
  required?: string[];
  items?: SchemaObject;
  allOf?: SchemaObject[];
  nullable?: boolean;
  enum?: unknown[];
  example?: unknown;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  additionalProperties?: boolean | SchemaObject;
}
export interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  example?: unknown;
  schema?: SchemaObject;
}
export interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: SchemaObject }> };
  responses?: Record<string, { content?: Record<string, { schema?: SchemaObject }> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, SchemaObject> };
}

/** The schema behind a `$ref` (and the merged properties of an `allOf`). */
export function resolve(doc: OpenApiDocument, schema: SchemaObject | undefined, seen = 0): SchemaObject {
  if (!schema || seen > 5) return {};
  if (schema.$ref) return resolve(doc, doc.components?.schemas?.[schema.$ref.split('/').pop() ?? ''], seen + 1);
  if (schema.allOf) {
    const properties = Object.assign({}, ...schema.allOf.map((s) => resolve(doc, s, seen + 1).properties ?? {}));
    return { type: 'object', properties };
  }
  return schema;
}

/**
 * Where `value` departs from `schema` (the subset of JSON Schema our document uses), or undefined.
 * Enough to hold every answer to what the OpenAPI promises for its status.
 */
export function schemaMismatch(doc: OpenApiDocument, schema: SchemaObject | undefined, value: unknown, at = '$'): string | undefined {
  const s = resolve(doc, schema);
  if (!schema || Object.keys(s).length === 0) return undefined;
  if (value === null) return s.nullable ? undefined : `${at}: null where ${s.type ?? 'a value'} is declared`;
  if (s.enum && !s.enum.includes(value)) return `${at}: ${JSON.stringify(value)} not in ${JSON.stringify(s.enum)}`;
  switch (s.type) {
    case 'integer':
      return Number.isInteger(value) ? undefined : `${at}: ${JSON.stringify(value)} is not an integer`;
    case 'number':
      return typeof value === 'number' ? undefined : `${at}: ${JSON.stringify(value)} is not a number`;
    case 'string':
      return typeof value === 'string' ? undefined : `${at}: ${JSON.stringify(value)} is not a string`;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : `${at}: ${JSON.stringify(value)} is not a boolean`;
    case 'array':
      if (!Array.isArray(value)) return `${at}: not an array`;
      for (const [i, item] of value.entries()) {
        const problem = schemaMismatch(doc, s.items, item, `${at}[${i}]`);
        if (problem) return problem;
      }
      return undefined;
    default:
      if (s.type !== 'object' && !s.properties) return undefined;
      if (typeof value !== 'object' || Array.isArray(value)) return `${at}: not an object`;
      for (const name of s.required ?? []) if (!(name in value)) return `${at}.${name}: required, missing`;
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (!(name in value)) continue;
        const problem = schemaMismatch(doc, prop, (value as Record<string, unknown>)[name], `${at}.${name}`);
        if (problem) return problem;
      }
      return undefined;
  }
}

/** What Swagger UI would fill in for a schema: its example, else its first enum value, else a plain value of its type. */
export function sampleOf(doc: OpenApiDocument, schema: SchemaObject | undefined, depth = 0): unknown {
  const s = resolve(doc, schema);
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  switch (s.type) {
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return depth > 4 ? [] : [sampleOf(doc, s.items, depth + 1)];
    case 'string':
      return 'string';
    default:
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([name, prop]) => [name, sampleOf(doc, prop, depth + 1)]));
  }
}
