import { randomBytes } from 'node:crypto';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { makeValidCpf } from './cpf';
import { UsersService } from './users.service';

export interface SeededAdmin {
  matricula: string;
  /** Only set when the admin was created now (the password is shown once). */
  password?: string;
  created: boolean;
}

/**
 * Makes sure the embedded default has an admin to log in with. Creates one only when no admin exists;
 * the password comes from ADMIN_PASSWORD or is generated and shown once.
 */
export async function ensureSeedAdmin(app: INestApplicationContext, options: { matricula: string; email: string; password?: string }): Promise<SeededAdmin> {
  const dataSource = app.get(DataSource);
  const existing: { matricula: string }[] = await dataSource.query('SELECT matricula FROM users WHERE is_admin = true ORDER BY id LIMIT 1');
  if (existing.length) return { matricula: existing[0].matricula, created: false };
  const password = options.password ?? randomBytes(9).toString('base64url');
  await app.get(UsersService).register(
    {
      full_name: 'Administrador',
      email: options.email,
      password,
      department: 'TI',
      filial: 'Matriz',
      cpf: makeValidCpf(Number.parseInt(randomBytes(4).toString('hex'), 16) % 999_999_999),
      matricula: options.matricula,
    },
    { isAdmin: true },
  );
  return { matricula: options.matricula, password, created: true };
}
