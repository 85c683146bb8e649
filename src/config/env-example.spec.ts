import 'reflect-metadata';
import { getMetadataStorage } from 'class-validator';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EnvSchema, SECRET_NAMES } from './config.loader';

/** `NAME=value` lines of .env.example, commented out or not, value without its trailing comment. */
function documentedSettings(): Map<string, string> {
  const text = readFileSync(path.join(__dirname, '..', '..', '.env.example'), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) out.set(match[1], match[2].replace(/\s+#.*$/, '').trim());
  }
  return out;
}

/** The settings the env schema declares, with the defaults it gives them. */
function declaredSettings(): Map<string, unknown> {
  const names = new Set(getMetadataStorage().getTargetValidationMetadatas(EnvSchema, '', true, false).map((m) => m.propertyName));
  const defaults = new EnvSchema() as unknown as Record<string, unknown>;
  return new Map([...names].map((name) => [name, defaults[name]]));
}

/**
 * The env schema is where a setting is declared (type, default, validation, @Sensitive); .env.example is its
 * documentation. These keep the two from drifting apart.
 */
describe('.env.example documents the declared settings', () => {
  const documented = documentedSettings();
  const declared = declaredSettings();

  it('lists every declared setting', () => {
    expect(declared.size).toBeGreaterThan(40);
    expect([...declared.keys()].filter((name) => !documented.has(name))).toEqual([]);
  });

  it('shows each default as the schema declares it', () => {
    const compared = [...declared].filter(([name, value]) => value !== undefined && documented.has(name) && !SECRET_NAMES.has(name));
    expect(compared.length).toBeGreaterThan(20);
    const wrong = compared
      .filter(([name, value]) => documented.get(name)!.replace(/^"(.*)"$/, '$1') !== String(value))
      .map(([name, value]) => `${name}: schema ${String(value)}, .env.example ${documented.get(name)}`);
    expect(wrong).toEqual([]);
  });
});
