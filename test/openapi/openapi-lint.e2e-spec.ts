import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startTestStack, TestStack } from '../support/test-stack';

const run = promisify(execFile);
const REDOCLY = path.join(__dirname, '../../node_modules/@redocly/cli/bin/cli.js');

interface LintProblem {
  ruleId: string;
  severity: 'error' | 'warn';
  message: string;
  location: { pointer?: string }[];
}

/** `redocly lint` on the document the running app serves at /docs-json, with Redocly's recommended rules. */
async function lint(document: unknown): Promise<LintProblem[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(document));
    // Exit code 1 when there are errors: the JSON report is on stdout either way.
    const result = await run(process.execPath, [REDOCLY, 'lint', file, '--extends', 'recommended', '--format', 'json'], {
      cwd: dir,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      maxBuffer: 32 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
    const json = result.stdout.slice(result.stdout.indexOf('{'));
    if (!json.startsWith('{')) throw new Error(`redocly lint printed no report:\n${result.stdout}\n${result.stderr}`);
    return (JSON.parse(json) as { problems: LintProblem[] }).problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('OpenAPI document (GET /docs-json)', () => {
  let stack: TestStack;
  let document: { paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> }>> };

  beforeAll(async () => {
    stack = await startTestStack();
    document = (await (await fetch(`${stack.url}/docs-json`)).json()) as typeof document;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('passes `redocly lint` with the recommended rules: no errors and no warnings', async () => {
    const problems = await lint(document);
    const report = problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message} at ${p.location.map((l) => l.pointer).join(', ')}`);
    expect(report).toEqual([]);
  }, 120_000);

  it('declares security on every operation and the error schema on every error status', () => {
    const missing: string[] = [];
    for (const [route, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!Array.isArray(op.security)) missing.push(`${method} ${route}: no security`);
        const statuses = Object.keys(op.responses);
        if (!statuses.includes('500')) missing.push(`${method} ${route}: no 500`);
        for (const status of statuses.filter((s) => /^[45]/.test(s))) {
          if (op.responses[status].content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorResponseDto') {
            missing.push(`${method} ${route} ${status}: not ErrorResponseDto`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it('types every numeric parameter as a bounded int32, and every integer property with its format', () => {
    const loose: string[] = [];
    const raw = document as unknown as {
      paths: Record<string, Record<string, { parameters?: { name: string; schema?: { type?: string; format?: string; maximum?: number } }[] }>>;
      components: { schemas: Record<string, { properties?: Record<string, { type?: string; format?: string }> }> };
    };
    for (const [route, item] of Object.entries(raw.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of op.parameters ?? []) {
          const type = p.schema?.type;
          if ((type === 'number' || type === 'integer') && (type !== 'integer' || p.schema?.format !== 'int32' || p.schema?.maximum === undefined)) {
            loose.push(`${method} ${route} ${p.name}: ${JSON.stringify(p.schema)}`);
          }
        }
      }
    }
    for (const [name, schema] of Object.entries(raw.components.schemas)) {
      for (const [prop, value] of Object.entries(schema.properties ?? {})) if (value.type === 'integer' && !value.format) loose.push(`${name}.${prop}: integer without format`);
    }
    expect(loose).toEqual([]);
  });
});
