import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
// Debian's docker-compose (v1.29) validates a file against the Compose specification schema it bundles,
// with no Docker engine: `config` parses, interpolates and validates only. .ci/run installs it.
const DOCKER_COMPOSE = '/usr/bin/docker-compose';
// v1.29's bundled schema predates the spec's top-level `name` (2022): it is checked here by the spec's rule
// and removed from the copy given to docker-compose. (dclint from npm would follow the current schema.)
const PROJECT_NAME = /^name: ([^\n]*)\n/m;

function withoutProjectName(text: string): string {
  return text.replace(PROJECT_NAME, '');
}

/** `${VAR}`, `${VAR:-default}`, `${VAR:?message}` references of a compose file (not `$$` escapes). */
function referencedVariables(text: string): string[] {
  const names = [...text.matchAll(/(?<!\$)\$\{([A-Z0-9_]+)/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

async function composeConfig(file: string, env: Record<string, string>): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run(DOCKER_COMPOSE, ['-f', file, '--project-directory', ROOT, 'config'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: os.tmpdir(), ...env },
      timeout: 30_000,
    });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}${e.message}` };
  }
}

describe('docker-compose.yml against the Compose specification (no Docker engine)', () => {
  const text = fs.readFileSync(COMPOSE_FILE, 'utf8');
  const variables = referencedVariables(text);
  const dummyEnv = Object.fromEntries(variables.map((name) => [name, `dummy-${name.toLowerCase()}`]));
  let dir: string;
  let specFile: string;

  beforeAll(() => {
    if (!fs.existsSync(DOCKER_COMPOSE)) throw new Error(`${DOCKER_COMPOSE} missing: apt-get install -y docker-compose (done by .ci/run)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    specFile = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(specFile, withoutProjectName(text));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('has a valid project name (Compose spec: lowercase letters, digits, dashes, underscores)', () => {
    expect(PROJECT_NAME.exec(text)?.[1]).toMatch(/^[a-z0-9][a-z0-9_-]*$/);
  });

  it('is valid: docker-compose config accepts it with every variable set', async () => {
    const result = await composeConfig(specFile, dummyEnv);
    expect(result.output).not.toMatch(/invalid|error/i);
    expect(result.ok).toBe(true);
    // The deployment's services, each started only after what it depends on is healthy/done.
    for (const service of ['postgres:', 'minio:', 'minio-init:', 'mailpit:', 'api:']) expect(result.output).toContain(`  ${service}`);
    expect(result.output).toContain('condition: service_healthy');
    expect(result.output).toContain('condition: service_completed_successfully');
  });

  it('commits no secret: secrets are required variables, refused when missing', async () => {
    for (const secret of ['POSTGRES_PASSWORD', 'S3_SECRET_KEY', 'JWT_SECRET', 'JWT_REFRESH_SECRET', 'CPF_ENCRYPTION_KEY', 'CPF_HMAC_KEY', 'BITRIX_INBOUND_URL']) {
      expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?`));
    }
    const { JWT_SECRET: _omitted, ...withoutJwt } = dummyEnv;
    const result = await composeConfig(specFile, withoutJwt);
    expect(result.ok).toBe(false);
    expect(result.output).toContain('JWT_SECRET');
  });

  it('gives every long-running service a healthcheck, and .env.example documents every variable it uses', () => {
    const servicesSection = text.slice(text.indexOf('\nservices:\n'), text.search(/\n(volumes|networks|secrets|configs):\n/));
    const services = servicesSection.split(/\n {2}(?=[a-z][\w-]*:\n)/).slice(1);
    for (const block of services) {
      const name = block.split(':')[0];
      if (/restart: "no"/.test(block)) continue; // one-shot init container
      expect({ name, healthcheck: /\n {4}healthcheck:/.test(block) }).toEqual({ name, healthcheck: true });
    }
    const example = fs.readFileSync(path.join(ROOT, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((m) => m[1]));
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('the validator really validates: a misspelled key and a wrong type are rejected', async () => {
    {
      const typo = path.join(dir, 'typo.yml');
      fs.writeFileSync(typo, withoutProjectName(text).replace('    healthcheck:\n', '    healthchek:\n'));
      const typoResult = await composeConfig(typo, dummyEnv);
      expect(typoResult.ok).toBe(false);
      expect(typoResult.output).toContain('healthchek');
      const wrongType = path.join(dir, 'wrong-type.yml');
      fs.writeFileSync(wrongType, withoutProjectName(text).replace(/\n {6}retries: \d+/, '\n      retries: many'));
      expect((await composeConfig(wrongType, dummyEnv)).ok).toBe(false);
    }
  });
});
