import { DataSource } from 'typeorm';
import { TicketTimesFromBitrix1796400000000 } from '../../migrations/1796400000000-ticket-times-from-bitrix';
import { createTestDatabase } from '../support/test-database';

const HOUR = 3_600_000;

/** The repair of rows mirrored before issue 15, on a real PostgreSQL: undone, rows written the old way, redone. */
describe('migration TicketTimesFromBitrix (e2e, real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataSource: DataSource;
  const migration = new TicketTimesFromBitrix1796400000000();

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = new DataSource({ type: 'postgres', url: db.url });
    await dataSource.initialize();
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('keeps the insertion time in mirrored_at, re-links responsibles by Bitrix ID then e-mail, and gives every ticket a deadline', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      await migration.down(runner);
      const [byId] = await runner.query(
        `INSERT INTO users (full_name, matricula, email, cpf, cpf_hash, hashed_password, department, filial, bitrix_user_id)
         VALUES ('Ana', '101', 'ana@carvalima.com', 'x', 'h1', 'p', 'TI', 'Matriz', 77) RETURNING id`,
      );
      const [byEmail] = await runner.query(
        `INSERT INTO users (full_name, matricula, email, cpf, cpf_hash, hashed_password, department, filial)
         VALUES ('João', '102', 'joao@carvalima.com', 'x', 'h2', 'p', 'TI', 'Matriz') RETURNING id`,
      );
      const opened = new Date('2026-11-20T12:00:00Z');
      const insert = (dealId: number, values: Record<string, unknown>) =>
        runner.query(
          `INSERT INTO deals (deal_id, created_at, priority, date_deadline, responsible_bitrix_id, responsible_email, responsible_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)`,
          [dealId, opened, values.priority ?? null, values.deadline ?? null, values.bitrixId ?? null, values.email ?? null, values.responsibleId ?? null],
        );
      // A webhook re-read had nulled the responsible of 1; 2 was resolved by e-mail only; 3 has the portal's deadline.
      await insert(1, { priority: 'Alto', bitrixId: '77', email: 'ana.portal@example.com' });
      await insert(2, { priority: 'Crítico', bitrixId: '88', email: ' JOAO@carvalima.com' });
      await insert(3, { priority: 'Baixo', deadline: new Date('2026-11-30T00:00:00Z') });
      await insert(4, { priority: '9999' });

      await migration.up(runner);
      const rows: { deal_id: number; responsible_id: number | null; date_deadline: Date | null; mirrored_at: Date; created_at: Date }[] = await runner.query(
        'SELECT deal_id, responsible_id, date_deadline, mirrored_at, created_at FROM deals ORDER BY deal_id',
      );
      expect(rows.map((r) => r.responsible_id)).toEqual([byId.id, byEmail.id, null, null]);
      expect(rows.map((r) => r.date_deadline?.toISOString() ?? null)).toEqual([
        new Date(opened.getTime() + 4 * HOUR).toISOString(),
        new Date(opened.getTime() + 1 * HOUR).toISOString(),
        '2026-11-30T00:00:00.000Z',
        null,
      ]);
      for (const row of rows) expect(row.mirrored_at.getTime()).toBe(row.created_at.getTime());
    } finally {
      await runner.release();
    }
  });
});
