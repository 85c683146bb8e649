import request from 'supertest';
import { makeValidCpf } from '../../src/users/cpf';
import type { TestStack } from './test-stack';

let counter = 0;

/** A valid CPF, formatted 000.000.000-00, for a seed number. */
export function makeCpf(seed: number): string {
  const s = makeValidCpf((seed * 7919) % 1_000_000_000);
  return `${s.slice(0, 3)}.${s.slice(3, 6)}.${s.slice(6, 9)}-${s.slice(9)}`;
}

export interface TestUser {
  id: number;
  matricula: string;
  email: string;
  password: string;
  cpf: string;
  full_name: string;
  /** Cookie header value carrying both tokens, after login. */
  cookies: string[];
  accessToken: string;
}

export function newUserBody(overrides: Record<string, unknown> = {}) {
  counter += 1;
  const n = (Date.now() % 100000) * 100 + counter;
  return {
    full_name: `Usuário Teste ${n}`,
    email: `user${n}@carvalima.test`,
    password: 'SenhaSegura123',
    department: 'Financeiro',
    filial: 'Matriz',
    cpf: makeCpf(n),
    matricula: String(1000000 + (n % 8999999)),
    ...overrides,
  };
}

/** Registers through the API, optionally promotes to admin in the database, and logs in. */
export async function createUser(stack: TestStack, options: { admin?: boolean; overrides?: Record<string, unknown> } = {}): Promise<TestUser> {
  const body = newUserBody(options.overrides);
  const created = await request(stack.url).post('/auth/users').send(body);
  if (created.status !== 201) throw new Error(`register failed: ${created.status} ${JSON.stringify(created.body)}`);
  if (options.admin) await stack.dataSource.query('UPDATE users SET is_admin = true WHERE id = $1', [created.body.id]);
  const login = await request(stack.url).post('/auth/login').send({ matricula: body.matricula, password: body.password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const setCookie = login.headers['set-cookie'] as unknown as string[];
  return {
    id: created.body.id,
    matricula: body.matricula,
    email: body.email,
    password: body.password,
    cpf: body.cpf,
    full_name: body.full_name,
    cookies: setCookie.map((c) => c.split(';')[0]),
    accessToken: login.body.token.access_token,
  };
}
