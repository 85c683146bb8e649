import request from 'supertest';
import { startTestStack, TestStack } from '../support/test-stack';
import { newUserBody } from '../support/users';

/** A boolean setting means what its validator accepts: COOKIE_SECURE=1 is true (it used to validate and mean false). */
describe('COOKIE_SECURE=1 on a plain-http PUBLIC_URL (e2e)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack({ env: { COOKIE_SECURE: '1' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('sets the login cookies Secure (and SameSite=None)', async () => {
    const body = newUserBody();
    await request(stack.url).post('/auth/users').send(body).expect(201);
    const login = await request(stack.url).post('/auth/login').send({ matricula: body.matricula, password: body.password }).expect(200);
    const cookies = login.headers['set-cookie'] as unknown as string[];
    const tokens = cookies.filter((c) => /^(access_token|refresh_token)=/.test(c));
    expect(tokens).toHaveLength(2);
    for (const cookie of tokens) {
      expect(cookie).toMatch(/;\s*Secure/i);
      expect(cookie).toMatch(/;\s*SameSite=None/i);
      expect(cookie).toMatch(/;\s*HttpOnly/i);
    }
  });
});
