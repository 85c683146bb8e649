import fs from 'node:fs';
import path from 'node:path';
import { composeConfig, interpolate, InterpolationError, referencedVariables } from './compose-file';

const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');

// docker-compose.yml validated as `docker compose config` would: interpolated, then checked against the
// Compose specification's JSON schema. No Docker engine or binary needed.
describe('docker-compose.yml against the Compose specification (no Docker engine)', () => {
  const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
  const variables = referencedVariables(text);
  const dummyEnv = Object.fromEntries(variables.map((name) => [name, `dummy-${name.toLowerCase()}`]));

  it('interpolates as Compose does (defaults, required values, $$ escapes)', () => {
    expect(interpolate('${A:-x} ${B-y} $$C ${D}', { B: '', D: 'd' })).toBe('x  $C d');
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow(InterpolationError);
    expect(interpolate('${A?set A}', { A: '' })).toBe('');
  });

  it('is valid with every variable set, and starts each service after what it depends on', () => {
    const result = composeConfig(text, dummyEnv);
    expect(result.errors).toEqual([]);
    const services = result.config?.services ?? {};
    expect(Object.keys(services).sort()).toEqual(['api', 'mailpit', 'minio', 'minio-init', 'postgres']);
    const conditions = Object.values(services).flatMap((service) =>
      Object.values((service.depends_on ?? {}) as Record<string, { condition: string }>).map((d) => d.condition),
    );
    expect(conditions).toContain('service_healthy');
    expect(conditions).toContain('service_completed_successfully');
    expect(result.config?.name).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });

  it('commits no secret: secrets are required variables, refused when missing', () => {
    for (const secret of ['POSTGRES_PASSWORD', 'S3_SECRET_KEY', 'JWT_SECRET', 'JWT_REFRESH_SECRET', 'CPF_ENCRYPTION_KEY', 'CPF_HMAC_KEY', 'BITRIX_INBOUND_URL']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
    }
    const { JWT_SECRET: _omitted, ...withoutJwt } = dummyEnv;
    const result = composeConfig(text, withoutJwt);
    expect(result.ok).toBe(false);
    expect(result.errors.join('\n')).toContain('JWT_SECRET');
  });

  it('gives every long-running service a healthcheck, and .env.example documents every variable it uses', () => {
    const services = composeConfig(text, dummyEnv).config?.services ?? {};
    for (const [name, service] of Object.entries(services)) {
      if (service.restart === 'no') continue; // one-shot init container
      expect({ name, healthcheck: Boolean(service.healthcheck) }).toEqual({ name, healthcheck: true });
    }
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('the validator really validates: a misspelled key, a wrong type and a bad project name are rejected', () => {
    const typo = composeConfig(text.replace('    healthcheck:\n', '    healthchek:\n'), dummyEnv);
    expect(typo.ok).toBe(false);
    expect(typo.errors.join('\n')).toContain('healthchek');
    expect(composeConfig(text.replace(/\n {6}retries: \d+/, '\n      retries: many'), dummyEnv).ok).toBe(false);
    expect(composeConfig(text.replace(/^name: .*$/m, 'name: Carvalima Helpdesk'), dummyEnv).ok).toBe(false);
  });
});
