import { Client } from 'pg';
import request from 'supertest';
import { createUser, newUserBody } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';

describe('Auth (e2e, real PostgreSQL + S3 + SMTP)', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const api = () => request(stack.url);
  const cookieHeader = (cookies: string[]) => cookies.join('; ');
  const cookiesOf = (res: request.Response) => ((res.headers['set-cookie'] as unknown as string[]) ?? []).map((c) => c.split(';')[0]);
  const cookieValue = (cookies: string[], name: string) => cookies.find((c) => c.startsWith(`${name}=`))?.split('=')[1];

  describe('registration', () => {
    it('creates a user and answers UserOut without CPF or password', async () => {
      const body = newUserBody();
      const res = await api().post('/auth/users').send(body).expect(201);
      expect(res.body).toMatchObject({
        full_name: body.full_name,
        email: body.email,
        matricula: body.matricula,
        department: 'Financeiro',
        filial: 'Matriz',
        is_active: true,
        is_admin: false,
        phone_number: null,
        profile_picture_url: null,
      });
      expect(typeof res.body.id).toBe('number');
      expect(res.body).not.toHaveProperty('cpf');
      expect(res.body).not.toHaveProperty('hashed_password');
      expect(JSON.stringify(res.body)).not.toContain(body.cpf.replace(/\D/g, ''));
    });

    it('ignores is_admin sent by a stranger at sign-up', async () => {
      const res = await api().post('/auth/users').send({ ...newUserBody(), is_admin: true }).expect(201);
      expect(res.body.is_admin).toBe(false);
    });

    it.each([
      ['cpf', { cpf: '111.111.111-11' }],
      ['cpf', { cpf: '529.982.247-24' }],
      ['matricula', { matricula: '01234' }],
      ['matricula', { matricula: '123456789' }],
      ['matricula', { matricula: '12a45' }],
      ['email', { email: 'not-an-email' }],
      ['password', { password: 'short' }],
      ['full_name', { full_name: '' }],
      ['department', { department: 42 }],
    ])('rejects an invalid %s with 400 naming the field', async (field, override) => {
      const res = await api().post('/auth/users').send(newUserBody(override)).expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('rejects a missing body field with 400', async () => {
      const { cpf: _cpf, ...withoutCpf } = newUserBody();
      const res = await api().post('/auth/users').send(withoutCpf).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('cpf');
    });

    it.each(['email', 'matricula', 'cpf'])('answers 409 naming the duplicated %s', async (field) => {
      const first = newUserBody();
      await api().post('/auth/users').send(first).expect(201);
      const second = newUserBody({ [field]: first[field as keyof typeof first] });
      const res = await api().post('/auth/users').send(second).expect(409);
      expect(res.body.field).toBe(field);
      expect(res.body.detail).toContain(field);
    });

    it('treats a CPF with or without punctuation as the same CPF', async () => {
      const first = newUserBody();
      await api().post('/auth/users').send(first).expect(201);
      const res = await api().post('/auth/users').send(newUserBody({ cpf: first.cpf.replace(/\D/g, '') })).expect(409);
      expect(res.body.field).toBe('cpf');
    });

    it('stores no plain CPF digits anywhere in the database', async () => {
      const user = await createUser(stack);
      const digits = user.cpf.replace(/\D/g, '');
      const client = new Client({ connectionString: stack.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query(
          `SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'character varying')`,
        );
        for (const { table_name, column_name } of rows as { table_name: string; column_name: string }[]) {
          const hit = await client.query(
            `SELECT count(*)::int AS n FROM "${table_name}" WHERE "${column_name}" LIKE $1 OR "${column_name}" LIKE $2`,
            [`%${digits}%`, `%${user.cpf}%`],
          );
          expect({ table_name, column_name, n: hit.rows[0].n }).toEqual({ table_name, column_name, n: 0 });
        }
        const stored = await client.query('SELECT cpf, cpf_hash FROM users WHERE id = $1', [user.id]);
        expect(stored.rows[0].cpf).toMatch(/^v1\./);
        expect(stored.rows[0].cpf_hash).toMatch(/^[0-9a-f]{64}$/);
      } finally {
        await client.end();
      }
    });
  });

  describe('check-availability', () => {
    it('answers true for free values and false for taken ones', async () => {
      const user = await createUser(stack);
      const check = async (field: string, value: string) => {
        const res = await api().get('/auth/check-availability').query({ field, value }).expect(200);
        return { body: JSON.parse(res.text) as boolean };
      };
      expect((await check('email', user.email)).body).toBe(false);
      expect((await check('email', 'free-address@carvalima.test')).body).toBe(true);
      expect((await check('matricula', user.matricula)).body).toBe(false);
      expect((await check('matricula', '99999998')).body).toBe(true);
      expect((await check('cpf', user.cpf)).body).toBe(false);
      expect((await check('cpf', '529.982.247-25')).body).toBe(true);
    });

    it('rejects an unknown field with 400', async () => {
      const res = await api().get('/auth/check-availability').query({ field: 'password', value: 'x' }).expect(400);
      expect(JSON.stringify(res.body.message)).toContain('field');
    });
  });

  describe('login and cookies', () => {
    it('sets HTTP-only cookies with the configured flags and answers LoginResponse', async () => {
      const body = newUserBody();
      await api().post('/auth/users').send(body).expect(201);
      const res = await api().post('/auth/login').send({ matricula: body.matricula, password: body.password }).expect(200);
      expect(res.body.token.token_type).toBe('bearer');
      expect(res.body.user.matricula).toBe(body.matricula);
      const setCookie = res.headers['set-cookie'] as unknown as string[];
      const access = setCookie.find((c) => c.startsWith('access_token='))!;
      const refresh = setCookie.find((c) => c.startsWith('refresh_token='))!;
      expect(access).toMatch(/HttpOnly/i);
      expect(access).toMatch(/SameSite=Lax/i);
      expect(access).not.toMatch(/Secure/i);
      expect(access).toMatch(/Max-Age=900/);
      expect(refresh).toMatch(/HttpOnly/i);
      expect(refresh).toMatch(/Path=\/auth/);
    });

    it('answers 401 with one generic message for a wrong password and for an unknown matricula', async () => {
      const user = await createUser(stack);
      const wrong = await api().post('/auth/login').send({ matricula: user.matricula, password: 'wrong-password' }).expect(401);
      const unknown = await api().post('/auth/login').send({ matricula: '87654329', password: 'whatever1' }).expect(401);
      expect(wrong.body.detail).toBe(unknown.body.detail);
    });

    it('accepts an existing $2b$ hash from the Python system', async () => {
      const user = await createUser(stack);
      // bcrypt hash of "SenhaLegada123" made with Python passlib/bcrypt ($2b$, cost 12).
      const bcrypt = await import('bcrypt');
      const legacy = await bcrypt.hash('SenhaLegada123', 12);
      expect(legacy.startsWith('$2b$')).toBe(true);
      await stack.dataSource.query('UPDATE users SET hashed_password = $1 WHERE id = $2', [legacy, user.id]);
      await api().post('/auth/login').send({ matricula: user.matricula, password: 'SenhaLegada123' }).expect(200);
    });

    it('authenticates /auth/me by cookie and by Bearer, and refuses without', async () => {
      const user = await createUser(stack);
      const byCookie = await api().get('/auth/me').set('Cookie', cookieHeader(user.cookies)).expect(200);
      expect(byCookie.body.id).toBe(user.id);
      const byBearer = await api().get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(200);
      expect(byBearer.body.id).toBe(user.id);
      const none = await api().get('/auth/me').expect(401);
      expect(none.body.statusCode).toBe(401);
    });

    it('refuses tokens with alg none or a wrong signature', async () => {
      const user = await createUser(stack);
      const [header, payload] = user.accessToken.split('.');
      const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      await api().get('/auth/me').set('Authorization', `Bearer ${noneHeader}.${payload}.`).expect(401);
      await api().get('/auth/me').set('Authorization', `Bearer ${header}.${payload}.${'A'.repeat(43)}`).expect(401);
    });

    it('locks an account after LOGIN_MAX_FAILURES consecutive failures with 429 and Retry-After', async () => {
      const user = await createUser(stack);
      for (let i = 0; i < 5; i++) {
        await api().post('/auth/login').send({ matricula: user.matricula, password: 'wrong-password' }).expect(401);
      }
      const locked = await api().post('/auth/login').send({ matricula: user.matricula, password: user.password }).expect(429);
      expect(Number(locked.headers['retry-after'])).toBeGreaterThan(800);
      expect(Number(locked.headers['retry-after'])).toBeLessThanOrEqual(900);
    });
  });

  describe('refresh rotation and revocation', () => {
    it('rotates the refresh token and revokes the family when an old one is reused', async () => {
      const user = await createUser(stack);
      const first = await api().post('/auth/refresh-token').set('Cookie', cookieHeader(user.cookies)).expect(200);
      expect(first.body).toEqual({ message: 'Token atualizado' });
      const rotated = cookiesOf(first);
      expect(cookieValue(rotated, 'refresh_token')).not.toBe(cookieValue(user.cookies, 'refresh_token'));
      await api().get('/auth/me').set('Cookie', cookieHeader(rotated)).expect(200);

      // Replaying the first refresh token: reuse -> the whole family is revoked.
      await api().post('/auth/refresh-token').set('Cookie', cookieHeader(user.cookies)).expect(401);
      await api().post('/auth/refresh-token').set('Cookie', cookieHeader(rotated)).expect(401);
      await api().get('/auth/me').set('Cookie', cookieHeader(rotated)).expect(401);
    });

    it('refuses refresh without a token', async () => {
      const res = await api().post('/auth/refresh-token').expect(401);
      expect(res.body.detail).toContain('Refresh token');
    });

    it('logout revokes the session: the still-valid access token is refused', async () => {
      const user = await createUser(stack);
      const res = await api().post('/auth/logout').set('Cookie', cookieHeader(user.cookies)).expect(200);
      expect(res.body).toEqual({ message: 'Logout realizado' });
      const cleared = (res.headers['set-cookie'] as unknown as string[]).join(';');
      expect(cleared).toMatch(/access_token=;/);
      await api().get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(401);
      await api().post('/auth/refresh-token').set('Cookie', cookieHeader(user.cookies)).expect(401);
    });
  });

  describe('forgot / reset password over real SMTP', () => {
    it('sends a single-use reset token, resets, and revokes existing sessions', async () => {
      const user = await createUser(stack);
      const res = await api().post('/auth/forgot-password').send({ email: user.email }).expect(200);
      expect(res.body).toEqual({ message: 'Email enviado' });
      const mail = await stack.mailbox.waitFor((m) => m.text?.includes(user.full_name) ?? false);
      const token = /Código: (\S+)/.exec(mail.text ?? '')?.[1];
      expect(token).toBeTruthy();
      expect(mail.text).toContain(`token=${token}`);

      await api().post('/auth/reset-password').send({ token, new_password: 'NovaSenha12345' }).expect(200);
      await api().get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(401);
      await api().post('/auth/login').send({ matricula: user.matricula, password: user.password }).expect(401);
      await api().post('/auth/login').send({ matricula: user.matricula, password: 'NovaSenha12345' }).expect(200);
      const again = await api().post('/auth/reset-password').send({ token, new_password: 'OutraSenha12345' }).expect(400);
      expect(again.body.detail).toContain('token');
    });

    it('answers the same for an unknown e-mail and sends nothing', async () => {
      const before = stack.mailbox.messages.length;
      const res = await api().post('/auth/forgot-password').send({ email: 'nobody@carvalima.test' }).expect(200);
      expect(res.body).toEqual({ message: 'Email enviado' });
      await new Promise((r) => setTimeout(r, 300));
      expect(stack.mailbox.messages.length).toBe(before);
    });

    it('rejects an expired token', async () => {
      const user = await createUser(stack);
      await api().post('/auth/forgot-password').send({ email: user.email }).expect(200);
      const mail = await stack.mailbox.waitFor((m) => m.text?.includes(user.full_name) ?? false);
      const token = /Código: (\S+)/.exec(mail.text ?? '')?.[1];
      await stack.dataSource.query(`UPDATE users SET password_reset_expires_at = now() - interval '1 minute' WHERE id = $1`, [user.id]);
      await api().post('/auth/reset-password').send({ token, new_password: 'NovaSenha12345' }).expect(400);
    });
  });

  describe('admin user management', () => {
    it('is refused to non-admins with 403 and allowed to admins', async () => {
      const admin = await createUser(stack, { admin: true });
      const user = await createUser(stack);
      await api().get(`/auth/users/${admin.id}`).set('Cookie', cookieHeader(user.cookies)).expect(403);
      const got = await api().get(`/auth/users/${user.id}`).set('Cookie', cookieHeader(admin.cookies)).expect(200);
      expect(got.body.email).toBe(user.email);
      const updated = await api()
        .put(`/auth/users/${user.id}`)
        .set('Cookie', cookieHeader(admin.cookies))
        .send({ department: 'TI', is_admin: true })
        .expect(200);
      expect(updated.body).toMatchObject({ department: 'TI', is_admin: true });
    });

    it('DELETE deactivates (row kept) and the user token is refused at once', async () => {
      const admin = await createUser(stack, { admin: true });
      const user = await createUser(stack);
      const res = await api().delete(`/auth/users/${user.id}`).set('Cookie', cookieHeader(admin.cookies)).expect(200);
      expect(res.body.is_active).toBe(false);
      const rows = await stack.dataSource.query('SELECT is_active FROM users WHERE id = $1', [user.id]);
      expect(rows).toEqual([{ is_active: false }]);
      await api().get('/auth/me').set('Authorization', `Bearer ${user.accessToken}`).expect(401);
      await api().post('/auth/login').send({ matricula: user.matricula, password: user.password }).expect(401);
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999'])('answers 400 naming user_id for %p', async (id) => {
      const admin = await createUser(stack, { admin: true });
      const res = await api().get(`/auth/users/${id}`).set('Cookie', cookieHeader(admin.cookies)).expect(400);
      expect(res.body.detail).toContain('user_id');
    });

    it('refuses null for a NOT NULL field with a 400 naming it, and clears the phone with phone_number: null', async () => {
      const admin = await createUser(stack, { admin: true });
      const user = await createUser(stack, { overrides: { phone_number: '+55 11 90000-0000' } });
      for (const field of ['full_name', 'email', 'password', 'department', 'filial', 'cpf', 'matricula', 'is_admin', 'is_active']) {
        const res = await api().put(`/auth/users/${user.id}`).set('Authorization', `Bearer ${admin.accessToken}`).send({ [field]: null }).expect(400);
        expect(res.body.errors).toEqual([{ field, message: `${field}: não pode ser nulo` }]);
        expect(res.body.message).toBe(`${field}: não pode ser nulo`);
      }
      const cleared = await api().put(`/auth/users/${user.id}`).set('Authorization', `Bearer ${admin.accessToken}`).send({ phone_number: null }).expect(200);
      expect(cleared.body.phone_number).toBeNull();
    });

    it.each([' 1', '  1', '0x10', '01', '1e0', '+1', '2147483648'])('answers 400 for the non-canonical path ID %p and deactivates nobody', async (id) => {
      const admin = await createUser(stack, { admin: true });
      const inactive = async () => ((await stack.dataSource.query('SELECT count(*)::text AS n FROM users WHERE NOT is_active')) as { n: string }[])[0].n;
      const before = await inactive();
      const res = await api().delete(`/auth/users/${encodeURIComponent(id)}`).set('Authorization', `Bearer ${admin.accessToken}`).expect(400);
      expect(res.body.errors).toEqual([{ field: 'user_id', message: 'user_id: deve ser um número inteiro entre 1 e 2147483647' }]);
      expect(await inactive()).toBe(before);
    });

    it('answers 404 for an unknown user', async () => {
      const admin = await createUser(stack, { admin: true });
      await api().get('/auth/users/999999').set('Cookie', cookieHeader(admin.cookies)).expect(404);
    });
  });

  describe('profile', () => {
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );

    it('stores a real image avatar and returns a presigned URL that serves the bytes', async () => {
      const user = await createUser(stack);
      const res = await api().post('/auth/users/avatar').set('Cookie', cookieHeader(user.cookies)).attach('file', png, 'me.png').expect(200);
      expect(res.body.profile_picture_url).toMatch(/X-Amz-Signature=/);
      expect(res.body.profile_picture_url).toMatch(/X-Amz-Expires=604800/);
      const fetched = await fetch(res.body.profile_picture_url);
      expect(fetched.status).toBe(200);
      expect(Buffer.from(await fetched.arrayBuffer()).equals(png)).toBe(true);
    });

    it('rejects a non-image disguised with an image name', async () => {
      const user = await createUser(stack);
      const res = await api()
        .post('/auth/users/avatar')
        .set('Cookie', cookieHeader(user.cookies))
        .attach('file', Buffer.from('<script>alert(1)</script>'), { filename: 'evil.png', contentType: 'image/png' })
        .expect(400);
      expect(res.body.detail).toContain('file');
    });

    it('rejects an oversized avatar with 413', async () => {
      const user = await createUser(stack);
      const big = Buffer.concat([png, Buffer.alloc(6 * 1024 * 1024)]);
      await api().post('/auth/users/avatar').set('Cookie', cookieHeader(user.cookies)).attach('file', big, 'big.png').expect(413);
    });

    it('updates the phone number', async () => {
      const user = await createUser(stack);
      const res = await api().post('/auth/users/me/phone').set('Cookie', cookieHeader(user.cookies)).send({ phone_number: '+55 11 98765-4321' }).expect(200);
      expect(res.body.phone_number).toBe('+55 11 98765-4321');
      await api().post('/auth/users/me/phone').set('Cookie', cookieHeader(user.cookies)).send({ phone_number: 'abc' }).expect(400);
    });
  });

  it('answers 400 (not 500) for invalid JSON', async () => {
    const res = await api().post('/auth/login').set('Content-Type', 'application/json').send('{"matricula": ').expect(400);
    expect(res.body.statusCode).toBe(400);
  });
});
