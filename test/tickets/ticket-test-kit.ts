import request from 'supertest';
import { DataSource } from 'typeorm';
import type { TestStack } from '../support/test-stack';
import type { TestUser } from '../support/users';

/** A 1x1 PNG, small enough for the tests' attachment limits. */
export const PNG_1PX = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

export function ticketBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    full_name: 'Maria Santos',
    title: 'Sistema travando ao gerar relatório',
    description: "Ao clicar em 'Gerar Relatório', o sistema congela",
    subject: 'Suporte Técnico',
    assignee_department: 'TI',
    phone: '+55 11 91234-5678',
    priority: 'Alto',
    requester_department: 'Financeiro',
    service_category: 'Sistema Financeiro',
    system_type: 'ERP',
    ...overrides,
  };
}

/** Authenticated requests with the Bearer token (no cookie, so no CSRF Origin check is involved). */
export function as(stack: TestStack, user: TestUser) {
  const auth = `Bearer ${user.accessToken}`;
  return {
    get: (path: string) => request(stack.url).get(path).set('Authorization', auth),
    post: (path: string, body: object, headers: Record<string, string> = {}) =>
      request(stack.url).post(path).set('Authorization', auth).set(headers).send(body),
  };
}

/** Counts the SQL statements the app's DataSource runs while `fn` runs. */
export async function countQueries<T>(dataSource: DataSource, fn: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const logger = dataSource.logger;
  const original = logger.logQuery.bind(logger);
  const queries: string[] = [];
  logger.logQuery = (query, parameters, queryRunner) => {
    // The webhook workers poll their inbox and queue on the same pool in the background: not the request's.
    if (!/\b(webhook_inbox|pgboss)\b/.test(query)) queries.push(query);
    return original(query, parameters, queryRunner);
  };
  try {
    return { result: await fn(), queries };
  } finally {
    logger.logQuery = original;
  }
}

export async function countRows(dataSource: DataSource, table: 'deals' | 'deal_files' | 'activities' | 'activity_files'): Promise<number> {
  const rows: { n: string }[] = await dataSource.query(`SELECT count(*)::text AS n FROM ${table}`);
  return Number(rows[0].n);
}
