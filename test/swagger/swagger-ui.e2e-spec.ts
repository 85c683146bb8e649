import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrowserContext, Locator, Page } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { createUser, TestUser } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';


/** Every path of the seed's catalogue (seed section 3), as Swagger names them. */
const SEED_CATALOGUE = [
  '/auth/login',
  '/auth/logout',
  '/auth/refresh-token',
  '/auth/me',
  '/auth/users',
  '/auth/forgot-password',
  '/auth/reset-password',
  '/ticket',
  '/close-ticket',
  '/send-email',
  '/ticket/comment',
  '/tickets/{user_id}',
  '/tickets-opens/{user_id}',
  '/tickets-responsible/{user_id}',
  '/deal/{deal_id}/{user_id}',
  '/webhook-bitrix24',
  '/kanban/cards',
];

/** The operation block of Swagger UI for a method and path. */
function operation(page: Page, method: string, apiPath: string): Locator {
  return page.locator(`.opblock-${method}`).filter({ has: page.locator(`.opblock-summary-path[data-path="${apiPath}"]`) }).first();
}

async function tryItOut(page: Page, method: string, apiPath: string, body?: string): Promise<Locator> {
  const block = operation(page, method, apiPath);
  await block.locator('.opblock-summary').click();
  await block.locator('button.try-out__btn').click();
  if (body !== undefined) await block.locator('textarea.body-param__text').fill(body);
  await block.locator('button.execute').click();
  // The live response of this call (not the documented examples).
  return block.locator('.live-responses-table .response').first();
}

describe('Swagger UI in headless Chromium', () => {
  let stack: TestStack;
  let user: TestUser;
  let context: BrowserContext;
  let userDataDir: string;

  beforeAll(async () => {
    stack = await startTestStack({ bitrix: true });
    // User 1, an admin: the examples' user_id, and the kanban is for admins.
    user = await createUser(stack, { admin: true });
    userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'swagger-chromium-'));
    context = await launchChromium(userDataDir);
  });
  afterAll(async () => {
    await context?.close();
    await stack?.close();
    if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  });

  it('logs in through "Try it out" on POST /auth/login, then GET /auth/me answers 200 with the user', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${stack.url}/docs`);
    await page.locator('.swagger-ui .information-container .title').waitFor();

    const login = await tryItOut(page, 'post', '/auth/login', JSON.stringify({ matricula: user.matricula, password: user.password }));
    await expectStatus(login, '200');
    const cookies = await context.cookies(stack.url);
    expect(cookies.map((c) => c.name)).toEqual(expect.arrayContaining(['access_token']));

    const me = await tryItOut(page, 'get', '/auth/me');
    await expectStatus(me, '200');
    await expectText(me.locator('.response-col_description'), user.email);
    await page.close();
  });

  it('executes the POST /ticket example as Swagger UI prefills it (201), and GET /kanban/cards with no filter prefilled shows it', async () => {
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${stack.url}/docs`);
    await page.locator('.swagger-ui .information-container .title').waitFor();
    await expectStatus(await tryItOut(page, 'post', '/auth/login', JSON.stringify({ matricula: user.matricula, password: user.password })), '200');

    const created = await tryItOut(page, 'post', '/ticket');
    await expectStatus(created, '201');
    await expectText(created.locator('.response-col_description'), '"deal_id": 1001');

    const kanban = await tryItOut(page, 'get', '/kanban/cards');
    await expectStatus(kanban, '200');
    await expectText(kanban.locator('.response-col_description'), '"deal_id": 1001');
    await page.close();
  }, 60_000);

  it('lists every path of the seed catalogue in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${stack.url}/docs-json`)).json()) as { paths: Record<string, unknown> };
    const missing = SEED_CATALOGUE.filter((p) => !(p in doc.paths));
    expect(missing).toEqual([]);
  });
});

async function expectStatus(response: Locator, status: string): Promise<void> {
  await expectText(response.locator('.response-col_status'), status);
}

async function expectText(locator: Locator, text: string): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor();
  expect(await locator.first().innerText()).toContain(text);
}
