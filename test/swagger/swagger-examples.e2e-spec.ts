import { createUser } from '../support/users';
import { OpenApiDocument, Parameter, resolve, SchemaObject, schemaMismatch } from '../support/openapi-document';
import { startTestStack, TestStack } from '../support/test-stack';

/** The request body Swagger UI prefills for a schema: examples, else the first enum value, else a value of the type (0 for numbers). */
function swaggerUiSample(doc: OpenApiDocument, schema: SchemaObject | undefined): unknown {
  const s = resolve(doc, schema);
  if (s.example !== undefined) return s.example;
  if (s.enum?.length) return s.enum[0];
  if (s.type === 'array') return [swaggerUiSample(doc, s.items)];
  if (s.type === 'integer' || s.type === 'number') return 0;
  if (s.type === 'boolean') return true;
  if (s.type === 'string') return 'string';
  return Object.fromEntries(Object.entries(s.properties ?? {}).map(([name, prop]) => [name, swaggerUiSample(doc, prop)]));
}

/**
 * The Swagger UI walk of a newcomer on the embedded demo, with every value taken from /docs-json as Swagger UI
 * prefills it (request examples, path examples, required query examples; optional filters left empty).
 * The demo's admin is matricula 1 (user 1); the first ticket the emulator creates is deal 1001, the examples' deal_id.
 */
describe('Swagger examples, executed as they are (embedded-demo flow)', () => {
  let stack: TestStack;
  let doc: OpenApiDocument;
  let token = '';
  const contractProblems: string[] = [];

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    // The demo's admin: the first user, matricula 1, with the password of the login example.
    const admin = await createUser(stack, { admin: true, overrides: { matricula: '1', password: 'SenhaSegura123' } });
    expect(admin.id).toBe(1);
    doc = (await (await fetch(`${stack.url}/docs-json`)).json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function tryItOut(method: string, route: string): Promise<{ status: number; body: unknown }> {
    const op = doc.paths[route]?.[method];
    if (!op) throw new Error(`${method} ${route} is not in /docs-json`);
    const params = op.parameters ?? [];
    const value = (p: Parameter) => String(p.example ?? resolve(doc, p.schema).example ?? resolve(doc, p.schema).default ?? '');
    const path = route.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(value(params.find((p) => p.name === name) as Parameter)));
    const query = params
      .filter((p) => p.in === 'query' && p.required)
      .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(value(p))}`)
      .join('&');
    const json = op.requestBody?.content?.['application/json'];
    const res = await fetch(`${stack.url}${path}${query ? `?${query}` : ''}`, {
      method: method.toUpperCase(),
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(json ? { 'Content-Type': 'application/json' } : {}) },
      body: json ? JSON.stringify(swaggerUiSample(doc, json.schema)) : undefined,
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // text/plain and text/csv answers
    }
    // The answer must be what the OpenAPI declares for its status.
    const declared = op.responses?.[String(res.status)];
    const schema = declared?.content?.['application/json']?.schema;
    const mismatch = !declared ? `status ${res.status} not documented` : schema && typeof body !== 'string' ? schemaMismatch(doc, schema, body) : undefined;
    if (mismatch) contractProblems.push(`${method.toUpperCase()} ${route}: ${mismatch}`);
    return { status: res.status, body };
  }

  it('prefills no example into an optional query filter (Swagger UI would send it)', () => {
    const prefilled: string[] = [];
    for (const [route, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of op.parameters ?? []) {
          if (p.in === 'query' && !p.required && (p.example !== undefined || resolve(doc, p.schema).example !== undefined)) prefilled.push(`${method} ${route} ${p.name}`);
        }
      }
    }
    expect(prefilled).toEqual([]);
  });

  it('answers 2xx to each example of the walk: login, sign-up, ticket, comment, e-mail, listings, kanban, report, close', async () => {
    const login = await tryItOut('post', '/auth/login');
    expect(login.status).toBe(200);
    token = (login.body as { token: { access_token: string } }).token.access_token;

    const outcomes: Record<string, number> = {};
    const walk: [string, string][] = [
      ['post', '/auth/users'],
      ['get', '/auth/check-availability'],
      ['get', '/auth/me'],
      ['post', '/auth/users/me/phone'],
      ['get', '/auth/users/{user_id}'],
      ['post', '/ticket'],
      ['post', '/ticket/comment'],
      ['post', '/send-email'],
      ['get', '/tickets/{user_id}'],
      ['get', '/tickets-opens/{user_id}'],
      ['get', '/tickets-responsible/{user_id}'],
      ['get', '/deal/{deal_id}/{user_id}'],
      ['get', '/kanban/cards'],
      ['get', '/reports/sla'],
      ['get', '/reports/sla.csv'],
      ['post', '/close-ticket'],
      ['get', '/webhook-bitrix24/failed'],
      ['post', '/webhook-bitrix24/failed/replay'],
      ['get', '/health'],
      ['get', '/health/ready'],
      ['get', '/metrics'],
    ];
    const bodies: Record<string, unknown> = {};
    for (const [method, route] of walk) {
      const { status, body } = await tryItOut(method, route);
      outcomes[`${method.toUpperCase()} ${route}`] = status;
      bodies[`${method.toUpperCase()} ${route}`] = body;
    }
    const failed = Object.entries(outcomes)
      .filter(([, status]) => status < 200 || status >= 300)
      .map(([op, status]) => `${op} -> ${status} ${JSON.stringify(bodies[op]).slice(0, 300)}`);
    expect(failed).toEqual([]);
    expect(contractProblems).toEqual([]);

    // The examples' deal 1001 is the ticket the example created, and the unfiltered kanban and report show it.
    expect((bodies['POST /ticket'] as { deal_id: number }).deal_id).toBe(1001);
    expect((bodies['GET /kanban/cards'] as { deal_id: number }[]).map((c) => c.deal_id)).toContain(1001);
    expect((bodies['GET /reports/sla'] as { totals: { opened: number } }).totals.opened).toBeGreaterThanOrEqual(1);
    const [card] = bodies['GET /deal/{deal_id}/{user_id}'] as { activities: unknown[]; files: unknown[] }[];
    expect(card.files).toHaveLength(1);
    expect(card.activities.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
