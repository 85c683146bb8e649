import { createUser, TestUser } from '../support/users';
import { OpenApiDocument, Operation, Parameter, resolve, sampleOf, SchemaObject, schemaMismatch } from '../support/openapi-document';
import { startTestStack, TestStack } from '../support/test-stack';

type AuthMode = 'anonymous' | 'user (bearer)' | 'admin (cookie)' | 'forged token';

interface Probe {
  method: string;
  /** The OpenAPI path, for the report. */
  route: string;
  url: string;
  variant: string;
  headers: Record<string, string>;
  body?: string | FormData;
  /** The operation's documented responses, by status. */
  responses: NonNullable<Operation['responses']>;
}

interface Outcome {
  probe: Probe;
  auth: AuthMode;
  status: number;
  problem?: string;
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];
const BIG = 'A'.repeat(100 * 1024);
const SQL = "' OR 1=1 --";
const SCRIPT = '<script>alert(document.cookie)</script>';
const GARBAGE = '\u0000\uFFFF\u202E\uD800𝕏😀ção\u0007\\"';
// A JWT with alg "none" and an admin claim: must be refused, never trusted.
const FORGED =
  Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url') +
  '.' +
  Buffer.from(JSON.stringify({ sub: '1', is_admin: true, exp: 4102444800 })).toString('base64url') +
  '.';

/** Raw path segments, already URL-safe or deliberately broken. */
const PATH_VALUES: Record<string, string> = {
  'non-numeric': 'abc',
  negative: '-1',
  zero: '0',
  decimal: '1.5',
  huge: '99999999999999999999999999',
  'int32 overflow': '2147483648',
  'nonexistent id': '999999',
  'sql-ish': encodeURIComponent(SQL),
  'script-ish': encodeURIComponent(SCRIPT),
  traversal: '..%2F..%2Fetc%2Fpasswd',
  'unicode garbage': encodeURIComponent('ção💥') + '%00',
  'broken percent-encoding': '%E0%A4%A',
  'long segment': 'x'.repeat(2000),
};

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i += 1) value = { a: value };
  return value;
}


/** Property name -> schema type of the operation's body (JSON or multipart), if it declares one. */
function bodyFields(doc: OpenApiDocument, op: Operation): Record<string, string> {
  const content = op.requestBody?.content ?? {};
  const media = content['application/json'] ?? content['multipart/form-data'] ?? Object.values(content)[0];
  const schema = resolve(doc, media?.schema);
  const fields: Record<string, string> = {};
  for (const [name, prop] of Object.entries(schema.properties ?? {})) fields[name] = resolve(doc, prop).type ?? 'string';
  // Endpoints without a declared body still get the common field names.
  if (Object.keys(fields).length === 0) Object.assign(fields, { id: 'integer', name: 'string', email: 'string' });
  return fields;
}

function wrongTypeFor(type: string): unknown {
  switch (type) {
    case 'string':
      return 12345;
    case 'integer':
    case 'number':
      return 'not-a-number';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not-an-array';
    default:
      return 'not-an-object';
  }
}

function fill(fields: Record<string, string>, value: (type: string) => unknown): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).map(([name, type]) => [name, value(type)]));
}

const JSON_HEADERS = { 'Content-Type': 'application/json' };
/** Words of the English defaults of Nest, class-validator, body-parser and multer: user messages are Portuguese. */
const ENGLISH = /\b(must|should|Cannot|Unexpected|Invalid|expected|is not|not found|failed|Exception|Forbidden resource|Too Many Requests)\b/;

/** Malformed bodies for a state-changing operation. */
function bodyVariants(fields: Record<string, string>): { variant: string; headers: Record<string, string>; body?: string | FormData }[] {
  const json = (variant: string, value: unknown) => ({ variant, headers: JSON_HEADERS, body: JSON.stringify(value) });
  const first = Object.keys(fields)[0];
  const multipart = new FormData();
  for (const name of Object.keys(fields)) multipart.append(name, SCRIPT);
  multipart.append('file', new Blob(['not really a png'], { type: 'image/png' }), '../../evil.png');
  return [
    { variant: 'invalid JSON', headers: JSON_HEADERS, body: '{"matricula": "1", "password": ' },
    { variant: 'empty JSON body', headers: JSON_HEADERS, body: '' },
    json('null body', null),
    json('array body', [1, 'a', null]),
    json('array of objects', [fill(fields, () => 'x')]),
    json('string body', 'just a string'),
    json('number body', 42),
    json('missing fields', {}),
    json('wrong types', fill(fields, wrongTypeFor)),
    json('100 KB strings', fill(fields, () => BIG)),
    json('sql-ish strings', fill(fields, () => SQL)),
    json('script-ish strings', fill(fields, () => SCRIPT)),
    json('nulls', fill(fields, () => null)),
    json('arrays for fields', fill(fields, () => [{ a: 1 }])),
    json('objects for fields', fill(fields, () => ({ $ne: null, $gt: '' }))),
    json('unicode garbage', fill(fields, () => GARBAGE)),
    json('huge numbers', fill(fields, () => 1e308)),
    json('deeply nested field', { ...fill(fields, () => 'x'), [first]: nested(3000) }),
    json('deeply nested body', nested(3000)),
    { variant: 'prototype pollution', headers: JSON_HEADERS, body: '{"__proto__":{"is_admin":true},"constructor":{"prototype":{"x":1}}}' },
    { variant: 'text/plain', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(fill(fields, () => 'x')) },
    { variant: 'multipart form', headers: {}, body: multipart },
    { variant: 'broken multipart', headers: { 'Content-Type': 'multipart/form-data; boundary=zzz' }, body: '--zzz\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nunterminated' },
    { variant: 'multipart without boundary', headers: { 'Content-Type': 'multipart/form-data' }, body: 'garbage' },
    {
      variant: 'urlencoded form',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `${first}[$ne]=x&${first}[a][b][c]=1&password=${encodeURIComponent(SQL)}&x=${'%'.repeat(3)}`,
    },
    { variant: 'unsupported charset', headers: { 'Content-Type': 'application/json; charset=utf-16' }, body: '{}' },
    { variant: 'xml', headers: { 'Content-Type': 'application/xml' }, body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>' },
    { variant: 'bogus gzip', headers: { ...JSON_HEADERS, 'Content-Encoding': 'gzip' }, body: 'not gzip at all' },
  ];
}

/** Malformed query strings for a read operation. */
function queryVariants(names: string[]): { variant: string; query: string }[] {
  const all = names.length > 0 ? names : ['id', 'page', 'limit', 'from', 'to'];
  const q = (value: string) => all.map((n) => `${encodeURIComponent(n)}=${value}`).join('&');
  return [
    { variant: 'no query', query: '' },
    { variant: 'non-numeric query', query: q('abc') },
    { variant: 'negative query', query: q('-1') },
    { variant: 'huge query', query: q('99999999999999999999999') },
    { variant: 'sql-ish query', query: q(encodeURIComponent(SQL)) },
    { variant: 'script-ish query', query: q(encodeURIComponent(SCRIPT)) },
    { variant: 'array query', query: all.map((n) => `${n}[]=1&${n}[]=2`).join('&') },
    { variant: 'object query', query: all.map((n) => `${n}[a][b]=1&${n}[__proto__][x]=1`).join('&') },
    { variant: 'long query', query: q('y'.repeat(4000)) },
    { variant: 'broken percent-encoding query', query: q('%E0%A4%A') },
  ];
}

function probesFor(doc: OpenApiDocument, base: string): Probe[] {
  const probes: Probe[] = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const responses = op.responses ?? {};
      const hasParams = /\{[^}]+\}/.test(route);
      const withParam = (value: string) => route.replace(/\{[^}]+\}/g, value);
      const M = method.toUpperCase();
      if (hasParams) {
        for (const [variant, value] of Object.entries(PATH_VALUES)) {
          probes.push({ method: M, route, url: base + withParam(value), variant: `path: ${variant}`, headers: M === 'GET' ? {} : JSON_HEADERS, body: M === 'GET' ? undefined : '{}', responses });
        }
      }
      const target = base + withParam('999999');
      if (M === 'GET') {
        const queryNames = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        for (const { variant, query } of queryVariants(queryNames)) {
          probes.push({ method: M, route, url: query ? `${target}?${query}` : target, variant, headers: {}, responses });
        }
      } else {
        for (const v of bodyVariants(bodyFields(doc, op))) probes.push({ method: M, route, url: target, ...v, responses });
      }
    }
  }
  return probes;
}

/** Requests that end the caller's session run after everything else, so the others stay authenticated. */
const endsSession = (p: Probe) => /logout|refresh/.test(p.route);


/** The problem with an answer the OpenAPI does not promise: an undocumented status, or a JSON body off its schema. */
function contractProblem(doc: OpenApiDocument, probe: Pick<Probe, 'responses'>, status: number, type: string, text: string): string | undefined {
  const documented = probe.responses[String(status)];
  if (!documented) return `status ${status} not documented (${Object.keys(probe.responses).join(', ')})`;
  const schema = documented.content?.['application/json']?.schema;
  if (!schema || !type.includes('application/json') || text === '') return undefined;
  try {
    return schemaMismatch(doc, schema, JSON.parse(text));
  } catch {
    return `unparseable JSON: ${text.slice(0, 200)}`;
  }
}

async function send(doc: OpenApiDocument, probe: Probe, auth: Record<string, string>): Promise<{ status: number; problem?: string }> {
  const res = await fetch(probe.url, {
    method: probe.method,
    headers: { ...probe.headers, ...auth },
    body: probe.body,
    redirect: 'manual',
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (res.status >= 500) return { status: res.status, problem: `5xx: ${text.slice(0, 300)}` };
  const type = res.headers.get('content-type') ?? '';
  const broken = contractProblem(doc, probe, res.status, type, text);
  if (broken) return { status: res.status, problem: broken };
  if (res.status < 400) return { status: res.status };
  if (!type.includes('application/json')) return { status: res.status, problem: `non-JSON error (${type}): ${text.slice(0, 200)}` };
  let body: { statusCode?: unknown; detail?: unknown; message?: unknown; request_id?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { status: res.status, problem: `unparseable JSON error: ${text.slice(0, 200)}` };
  }
  if (body.statusCode !== res.status) return { status: res.status, problem: `statusCode ${String(body.statusCode)} != ${res.status}` };
  if (typeof body.detail !== 'string' || body.detail.length === 0) return { status: res.status, problem: `no detail: ${text.slice(0, 200)}` };
  if (body.message !== body.detail) return { status: res.status, problem: `message is not the detail string: ${text.slice(0, 200)}` };
  if (ENGLISH.test(body.detail)) return { status: res.status, problem: `English message: ${body.detail.slice(0, 200)}` };
  if ((body.request_id ?? null) !== res.headers.get('x-request-id')) return { status: res.status, problem: 'request_id differs from X-Request-Id' };
  return { status: res.status };
}

async function runPool<T>(items: T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await worker(items[next++]);
    }),
  );
}

describe('Malformed-request campaign over every OpenAPI operation (no 5xx, JSON errors)', () => {
  let stack: TestStack;
  let user: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    user = await createUser(stack);
    admin = await createUser(stack, { admin: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers every malformed request with < 500 and a JSON error body { statusCode, detail, request_id }', async () => {
    const doc = (await (await fetch(`${stack.url}/docs-json`)).json()) as OpenApiDocument;
    const probes = probesFor(doc, stack.url);
    const operations = Object.values(doc.paths).reduce((n, item) => n + HTTP_METHODS.filter((m) => item[m]).length, 0);
    expect(operations).toBeGreaterThanOrEqual(15);

    const modes: [AuthMode, Record<string, string>][] = [
      ['anonymous', {}],
      ['user (bearer)', { Authorization: `Bearer ${user.accessToken}` }],
      ['admin (cookie)', { Cookie: admin.cookies.join('; ') }],
      ['forged token', { Authorization: `Bearer ${FORGED}`, Cookie: `access_token=${FORGED}; refresh_token=%E0%A4%A` }],
    ];
    // A forged token is refused before the body matters: a sample of variants per operation is enough.
    const forgedSample = /^(missing fields|wrong types|no query|path: nonexistent id|path: sql-ish)$/;
    const jobs = modes.flatMap(([auth, headers]) =>
      probes.filter((probe) => auth !== 'forged token' || forgedSample.test(probe.variant)).map((probe) => ({ auth, headers, probe })),
    );
    const outcomes: Outcome[] = [];
    const run = async (job: (typeof jobs)[number]) => {
      try {
        outcomes.push({ probe: job.probe, auth: job.auth, ...(await send(doc, job.probe, job.headers)) });
      } catch (error) {
        outcomes.push({ probe: job.probe, auth: job.auth, status: 0, problem: `no response: ${(error as Error).message}` });
      }
    };
    await runPool(jobs.filter((j) => !endsSession(j.probe)), 6, run);
    await runPool(jobs.filter((j) => endsSession(j.probe)), 1, run);

    const byStatus = new Map<number, number>();
    for (const o of outcomes) byStatus.set(o.status, (byStatus.get(o.status) ?? 0) + 1);
    const byMode = modes.map(([auth]) => `${auth}: ${outcomes.filter((o) => o.auth === auth).length}`).join(', ');
    console.log(
      `Malformed-request campaign: ${outcomes.length} requests over ${operations} operations (${byMode})\n` +
        [...byStatus.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `  ${String(status).padEnd(4)} ${String(count).padStart(5)}`)
          .join('\n'),
    );

    const problems = outcomes
      .filter((o) => o.problem)
      .map((o) => `${o.probe.method} ${o.probe.route} [${o.probe.variant}] as ${o.auth} -> ${o.status} ${o.problem}`);
    expect(outcomes.length).toBeGreaterThanOrEqual(500);
    expect(problems).toEqual([]);
    // The authenticated modes stayed authenticated: the campaign really reached the handlers.
    expect(outcomes.filter((o) => o.auth !== 'anonymous' && o.auth !== 'forged token' && o.status >= 200 && o.status < 300).length).toBeGreaterThan(0);
  }, 120_000);
});


/** Integer texts a path or query parameter must refuse (non-canonical, fractional, beyond int32 or its bounds). */
function badIntegerTexts(schema: SchemaObject): string[] {
  const texts = [' 1', '0x10', '01', '1e3', '+1', '1.0', '1.5', '2147483648', '9007199254740992', '1e300', 'NaN'];
  if (schema.maximum !== undefined) texts.push(String(schema.maximum + 1));
  if (schema.minimum !== undefined) texts.push(String(schema.minimum - 1));
  return texts;
}

/** Integer JSON values a body field must refuse: strings (even of a valid number), fractions, beyond its bounds. */
function badIntegerValues(schema: SchemaObject, example: unknown): unknown[] {
  const values: unknown[] = [2147483648, 9007199254740992, 1e300, 1.5, '1e300', String(example ?? 1), ' 1', true, []];
  if (schema.maximum !== undefined) values.push(schema.maximum + 1);
  if (schema.minimum !== undefined) values.push(schema.minimum - 1);
  return values;
}

interface TypedCase {
  method: string;
  route: string;
  /** The field the 400 must name. */
  field: string;
  variant: string;
  url: string;
  body?: string;
  /** Exactly 400; otherwise (null on an optional field, meaning "not given") any documented status below 500. */
  expect400: boolean;
  responses: NonNullable<Operation['responses']>;
}

/**
 * Cases derived from each operation's schema in /docs-json, so a new endpoint is covered by declaring it:
 * every integer parameter and field gets non-canonical, fractional, out-of-range and mistyped values; every
 * string field a lone surrogate (well-formed UTF-16 only) and, when it must not be empty, blank text; every
 * required field null and missing. Each answer must be a 400 naming the field, in the documented error shape.
 */
function typedCases(doc: OpenApiDocument, base: string): TypedCase[] {
  const cases: TypedCase[] = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!op) continue;
      const M = method.toUpperCase();
      const responses = op.responses ?? {};
      const params = op.parameters ?? [];
      const pathValue = (p: Parameter) => encodeURIComponent(String(p.example ?? sampleOf(doc, p.schema)));
      const urlWith = (override: { name: string; value: string; in: string } | undefined) => {
        const path = route.replace(/\{([^}]+)\}/g, (_m, name: string) => {
          if (override?.in === 'path' && override.name === name) return override.value;
          const p = params.find((x) => x.in === 'path' && x.name === name);
          return p ? pathValue(p) : '1';
        });
        const query = override?.in === 'query' ? `?${encodeURIComponent(override.name)}=${override.value}` : '';
        return `${base}${path}${query}`;
      };
      const content = op.requestBody?.content?.['application/json'];
      const bodySchema = content ? resolve(doc, content.schema) : undefined;
      const validBody = bodySchema?.properties ? (sampleOf(doc, bodySchema) as Record<string, unknown>) : undefined;
      const bodyText = validBody ? JSON.stringify(validBody) : M === 'GET' ? undefined : '{}';
      for (const p of params.filter((x) => (x.in === 'path' || x.in === 'query') && resolve(doc, x.schema).type === 'integer')) {
        for (const text of badIntegerTexts(resolve(doc, p.schema))) {
          cases.push({ method: M, route, field: p.name, variant: `${p.in} ${p.name}=${JSON.stringify(text)}`, url: urlWith({ name: p.name, in: p.in, value: encodeURIComponent(text) }), body: bodyText, expect400: true, responses });
        }
      }
      if (!bodySchema?.properties || !validBody) continue;
      const url = urlWith(undefined);
      const withField = (name: string, value: unknown) => JSON.stringify({ ...validBody, [name]: value });
      for (const [name, raw] of Object.entries(bodySchema.properties)) {
        const prop = resolve(doc, raw);
        const required = bodySchema.required?.includes(name) ?? false;
        const push = (variant: string, body: string, expect400 = true) => cases.push({ method: M, route, field: name, variant: `${name}: ${variant}`, url, body, expect400, responses });
        if (prop.type === 'integer') for (const value of badIntegerValues(prop, prop.example)) push(JSON.stringify(value), withField(name, value));
        if (prop.type === 'string') {
          push('lone surrogate', withField(name, prop.format === 'email' ? 'maria\uD83D@carvalima.com' : 'texto \uD83D quebrado'));
          // Text a person reads must not be blank (a password may be all spaces: it is not trimmed).
          if ((prop.minLength ?? 0) >= 1 && prop.format !== 'password') push('blank', withField(name, ' \t\n '));
        }
        if (!prop.nullable) push('null', withField(name, null), required);
        if (required) {
          const { [name]: _omitted, ...rest } = validBody;
          push('missing', JSON.stringify(rest));
        }
      }
    }
  }
  return cases;
}

describe('Schema-derived bad values for every operation of /docs-json (400 naming the field)', () => {
  let stack: TestStack;
  let admin: TestUser;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    await createUser(stack);
    admin = await createUser(stack, { admin: true });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses out-of-range, non-canonical and mistyped integers, malformed and blank strings and nulls with a 400 in the error schema', async () => {
    const doc = (await (await fetch(`${stack.url}/docs-json`)).json()) as OpenApiDocument;
    const cases = typedCases(doc, stack.url).filter((c) => !endsSession({ route: c.route } as Probe));
    const problems: string[] = [];
    const byRoute = new Map<string, number>();
    await runPool(cases, 4, async (c) => {
      byRoute.set(`${c.method} ${c.route}`, (byRoute.get(`${c.method} ${c.route}`) ?? 0) + 1);
      // Bearer (as integrators): no CSRF origin check, and admin reaches every handler.
      const res = await fetch(c.url, {
        method: c.method,
        headers: { Authorization: `Bearer ${admin.accessToken}`, ...(c.body !== undefined ? JSON_HEADERS : {}) },
        body: c.body,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      const where = `${c.method} ${c.route} [${c.variant}] -> ${res.status}`;
      const contract = contractProblem(doc, c, res.status, res.headers.get('content-type') ?? '', text);
      if (res.status >= 500 || contract) return void problems.push(`${where}: ${contract ?? text.slice(0, 200)}`);
      if (!c.expect400) return;
      if (res.status !== 400) return void problems.push(`${where}: expected 400`);
      const body = JSON.parse(text) as { message: string; errors?: { field: string }[] };
      const named = body.errors?.some((e) => e.field === c.field || e.field.startsWith(`${c.field}.`) || e.field.startsWith(`${c.field}[`)) ?? false;
      if (!named || !body.message.includes(c.field)) problems.push(`${where}: does not name ${c.field}: ${text.slice(0, 200)}`);
    });
    console.log(`Schema-derived campaign: ${cases.length} requests over ${byRoute.size} operations`);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    // Every operation with an integer, a JSON body or a path parameter was reached.
    for (const route of ['POST /close-ticket', 'POST /ticket/comment', 'POST /send-email', 'POST /ticket', 'GET /tickets/{user_id}', 'GET /webhook-bitrix24/failed', 'PUT /auth/users/{user_id}', 'GET /kanban/cards']) {
      expect(byRoute.get(route) ?? 0).toBeGreaterThan(0);
    }
    expect(problems).toEqual([]);
  }, 180_000);
});
