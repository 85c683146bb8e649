import request from 'supertest';
import { createUser, TestUser } from '../support/users';
import { startTestStack, TestStack } from '../support/test-stack';

/** One seeded ticket, in the words of the `deals` table. */
interface SeedTicket {
  deal_id: number;
  created_at: string;
  closed: 'Y' | 'N' | null;
  close_date: string | null;
  date_deadline: string | null;
  priority: string | null;
  assignee_department: string | null;
  service_category: string | null;
  responsible_id: number | null;
  /** The Bitrix responsible (ASSIGNED_BY_ID); null for a ticket adopted with a local responsible only. */
  responsible_bitrix_id: string | null;
  responsible: string | null;
  rating: number | null;
  deleted_at?: string | null;
}

interface Metrics {
  opened: number;
  closed: number;
  open: number;
  open_overdue: number;
  closed_with_deadline: number;
  closed_within_sla: number;
  pct_closed_within_sla: number | null;
  median_hours_to_close: number | null;
  p90_hours_to_close: number | null;
  mean_rating: number | null;
  ratings_count: number;
}

type GroupBy = 'priority' | 'assignee_department' | 'responsible' | 'service_category' | 'day' | 'week' | 'month';

const HOUR = 3_600_000;
const FAR_FUTURE = '2099-01-01T00:00:00.000Z';
const PRIORITIES = ['Crítico', 'Alto', 'Médio', 'Baixo'];
const SLA_HOURS: Record<string, number> = { Crítico: 1, Alto: 4, Médio: 24, Baixo: 72 };
const DEPARTMENTS = ['TI - Infraestrutura', 'TI - Sistemas', 'Suporte, "N1"'];
const CATEGORIES = ['Acessos e Permissões', 'Hardware', 'Rede'];

/** Deterministic pseudo-random numbers (mulberry32), so the data set is the same on every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- Expected figures, computed here independently of the SQL ----

/** Linear interpolation between closest ranks, as PostgreSQL's percentile_cont. */
function percentileCont(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = p * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function expectedMetrics(tickets: SeedTicket[], now: number): Metrics {
  const isClosed = (t: SeedTicket) => t.closed === 'Y';
  const closed = tickets.filter(isClosed);
  const open = tickets.filter((t) => !isClosed(t));
  const judged = closed.filter((t) => t.date_deadline !== null && t.close_date !== null);
  const within = judged.filter((t) => Date.parse(t.close_date!) <= Date.parse(t.date_deadline!));
  const hours = closed.filter((t) => t.close_date !== null).map((t) => (Date.parse(t.close_date!) - Date.parse(t.created_at)) / HOUR);
  const ratings = tickets.map((t) => t.rating).filter((r): r is number => r !== null && r >= 1 && r <= 5);
  return {
    opened: tickets.length,
    closed: closed.length,
    open: open.length,
    open_overdue: open.filter((t) => t.date_deadline !== null && Date.parse(t.date_deadline) < now).length,
    closed_with_deadline: judged.length,
    closed_within_sla: within.length,
    pct_closed_within_sla: judged.length ? (within.length / judged.length) * 100 : null,
    median_hours_to_close: percentileCont(hours, 0.5),
    p90_hours_to_close: percentileCont(hours, 0.9),
    mean_rating: ratings.length ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null,
    ratings_count: ratings.length,
  };
}

function mondayOf(iso: string): string {
  const d = new Date(iso);
  const day = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const sinceMonday = (day.getUTCDay() + 6) % 7;
  return new Date(day.getTime() - sinceMonday * 24 * HOUR).toISOString().slice(0, 10);
}

function groupKeyOf(t: SeedTicket, groupBy: GroupBy): string | null {
  switch (groupBy) {
    case 'priority':
      return t.priority;
    case 'assignee_department':
      return t.assignee_department;
    case 'service_category':
      return t.service_category;
    case 'responsible':
      return t.responsible_bitrix_id ?? (t.responsible_id === null ? null : `user:${t.responsible_id}`);
    case 'day':
      return t.created_at.slice(0, 10);
    case 'week':
      return mondayOf(t.created_at);
    case 'month':
      return t.created_at.slice(0, 7);
  }
}

function expectedGroups(tickets: SeedTicket[], groupBy: GroupBy, now: number): Map<string | null, Metrics> {
  const live = tickets.filter((t) => !t.deleted_at);
  const keys = new Set(live.map((t) => groupKeyOf(t, groupBy)));
  return new Map([...keys].map((key) => [key, expectedMetrics(live.filter((t) => groupKeyOf(t, groupBy) === key), now)]));
}

const COUNT_FIELDS = new Set(['opened', 'closed', 'open', 'open_overdue', 'closed_with_deadline', 'closed_within_sla', 'ratings_count']);

function expectMetrics(actual: Record<string, unknown>, expected: Metrics, where: string): void {
  for (const [field, value] of Object.entries(expected)) {
    const got = actual[field];
    if (value === null) {
      expect({ where, field, got }).toEqual({ where, field, got: null });
    } else if (COUNT_FIELDS.has(field)) {
      expect({ where, field, got }).toEqual({ where, field, got: value });
    } else {
      expect(typeof got).toBe('number');
      if (Math.abs((got as number) - value) > 1e-6) {
        throw new Error(`${where} ${field}: expected ${value}, got ${String(got)}`);
      }
    }
  }
}

/** RFC 4180 parser (quotes, doubled quotes, commas inside quotes), enough to read the report back. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

describe('Reports: SLA (e2e, real PostgreSQL)', () => {
  let stack: TestStack;
  let admin: TestUser;
  let staff: TestUser;
  let agentA: number;
  let agentB: number;
  const tickets: SeedTicket[] = [];

  const api = () => request(stack.url);
  const asAdmin = (path: string) => api().get(path).set('Cookie', admin.cookies.join('; '));

  function buildTickets(): void {
    const random = prng(7);
    const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)];
    let dealId = 5000;
    const base = Date.parse('2026-01-01T00:00:00.000Z');
    // 60 ordinary tickets over January and early February 2026.
    for (let i = 0; i < 60; i++) {
      const priority = pick(PRIORITIES);
      const created = base + Math.floor(random() * 40 * 24) * HOUR + Math.floor(random() * 3600) * 1000;
      const deadline = created + SLA_HOURS[priority] * HOUR;
      const state = random();
      const closed = state < 0.65;
      const hoursToClose = random() * SLA_HOURS[priority] * 2;
      const responsible = pick([agentA, agentB, null]);
      tickets.push({
        deal_id: dealId++,
        created_at: new Date(created).toISOString(),
        closed: closed ? 'Y' : 'N',
        close_date: closed ? new Date(created + hoursToClose * HOUR).toISOString() : null,
        // Open tickets: half overdue (January deadline), half with a deadline far ahead.
        date_deadline: closed || state < 0.85 ? new Date(deadline).toISOString() : FAR_FUTURE,
        priority,
        assignee_department: pick(DEPARTMENTS),
        service_category: pick(CATEGORIES),
        responsible_id: responsible,
        responsible_bitrix_id: responsible === agentA ? '501' : responsible === agentB ? '502' : '599',
        responsible: responsible === agentA ? 'Agente A (Bitrix)' : responsible === agentB ? 'Agente B (Bitrix)' : 'Só no Bitrix',
        rating: closed && random() < 0.7 ? 1 + Math.floor(random() * 5) : null,
      });
    }
    const edge = (overrides: Partial<SeedTicket>): void => {
      tickets.push({
        deal_id: dealId++,
        created_at: '2026-01-10T12:00:00.000Z',
        closed: 'Y',
        close_date: '2026-01-10T14:00:00.000Z',
        date_deadline: '2026-01-10T16:00:00.000Z',
        priority: 'Alto',
        assignee_department: 'TI - Sistemas',
        service_category: 'Hardware',
        responsible_id: agentA,
        responsible_bitrix_id: '501',
        responsible: 'Agente A (Bitrix)',
        rating: null,
        ...overrides,
      });
    };
    edge({ date_deadline: null }); // closed without a deadline: closed, but not judged for SLA
    edge({ closed: 'N', close_date: null, date_deadline: null }); // open without a deadline: never overdue
    edge({ closed: 'Y', close_date: null }); // closed without close date: no duration, not judged
    edge({ close_date: '2026-01-10T16:00:00.000Z' }); // closed exactly at the deadline: within SLA
    edge({ close_date: '2026-01-10T16:00:01.000Z', rating: 5 }); // one second late
    edge({ closed: null, close_date: null }); // unknown state counts as open (deadline passed: overdue)
    edge({ rating: 0 }); // not a rating
    edge({ priority: null, assignee_department: null, service_category: null, responsible_id: null, responsible_bitrix_id: null, responsible: null });
    edge({ responsible_bitrix_id: null }); // adopted with a local responsible only: grouped by that user
    edge({ created_at: '2026-01-31T23:59:59.000Z', close_date: '2026-02-01T01:00:00.000Z', date_deadline: '2026-02-01T03:59:59.000Z' });
    edge({ created_at: '2026-02-01T00:00:00.000Z', close_date: '2026-02-01T05:00:00.000Z', date_deadline: '2026-02-01T04:00:00.000Z' });
    edge({ deleted_at: '2026-01-15T00:00:00.000Z', rating: 1 }); // deleted: left out everywhere
    edge({ deleted_at: '2026-01-15T00:00:00.000Z', closed: 'N', close_date: null, priority: 'Crítico' });
  }

  async function seed(list: SeedTicket[]): Promise<void> {
    const columns = [
      'deal_id',
      'created_at',
      'closed',
      'close_date',
      'date_deadline',
      'priority',
      'assignee_department',
      'service_category',
      'responsible_id',
      'responsible_bitrix_id',
      'responsible',
      'rating',
      'deleted_at',
    ] as const;
    const values: unknown[] = [];
    const tuples = list.map((t, i) => {
      columns.forEach((c) => values.push(t[c] ?? null));
      return `(${columns.map((_, j) => `$${i * columns.length + j + 1}`).join(', ')})`;
    });
    await stack.dataSource.query(`INSERT INTO deals (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  }

  beforeAll(async () => {
    stack = await startTestStack();
    [admin, staff] = await Promise.all([createUser(stack, { admin: true }), createUser(stack)]);
    agentA = admin.id;
    agentB = staff.id;
    buildTickets();
    await seed(tickets);
  });
  afterAll(async () => {
    await stack?.close();
  });

  function check(body: Record<string, unknown>, list: SeedTicket[], groupBy: GroupBy): void {
    const now = Date.parse(body.generated_at as string);
    const expected = expectedGroups(list, groupBy, now);
    const groups = body.groups as Record<string, unknown>[];
    expect(groups.map((g) => g.key).sort()).toEqual([...expected.keys()].sort());
    for (const group of groups) {
      expectMetrics(group, expected.get(group.key as string | null)!, `${groupBy}=${String(group.key)}`);
    }
    expectMetrics(body.totals as Record<string, unknown>, expectedMetrics(list.filter((t) => !t.deleted_at), now), `${groupBy} totals`);
  }

  describe('access', () => {
    it.each(['/reports/sla', '/reports/sla.csv'])('%s answers 401 without login', async (path) => {
      const res = await api().get(path).expect(401);
      expect(res.body.statusCode).toBe(401);
    });

    it.each(['/reports/sla', '/reports/sla.csv'])('%s answers 403 to a non-admin', async (path) => {
      const res = await api().get(path).set('Authorization', `Bearer ${staff.accessToken}`).expect(403);
      expect(res.body.statusCode).toBe(403);
    });

    it('accepts an admin bearer token too', async () => {
      await api().get('/reports/sla').set('Authorization', `Bearer ${admin.accessToken}`).expect(200);
    });
  });

  describe('figures per group, checked against an independent computation', () => {
    it.each<GroupBy>(['priority', 'assignee_department', 'responsible', 'service_category', 'day', 'week', 'month'])(
      'group_by=%s',
      async (groupBy) => {
        const res = await asAdmin(`/reports/sla?group_by=${groupBy}`).expect(200);
        expect(res.body.group_by).toBe(groupBy);
        check(res.body, tickets, groupBy);
      },
    );

    it('defaults to group_by=priority, severity order, the group without priority last', async () => {
      const res = await asAdmin('/reports/sla').expect(200);
      expect(res.body.group_by).toBe('priority');
      expect(res.body.groups.map((g: { key: string | null }) => g.key)).toEqual(['Crítico', 'Alto', 'Médio', 'Baixo', null]);
      expect(res.body.groups[4].label).toBe('Sem prioridade');
      expect(res.body.filters).toEqual({
        from: null,
        to: null,
        assignee_department: null,
        priority: null,
        responsible_id: null,
        service_category: null,
      });
      expect(Number.isNaN(Date.parse(res.body.generated_at))).toBe(false);
      check(res.body, tickets, 'priority');
    });

    it('names responsibles from users, and keeps tickets without one in a group of their own', async () => {
      const res = await asAdmin('/reports/sla?group_by=responsible').expect(200);
      const byKey = new Map<string | null, Record<string, unknown>>(res.body.groups.map((g: Record<string, unknown>) => [g.key, g]));
      expect(byKey.get('501')).toMatchObject({ responsible_bitrix_id: '501', responsible_id: agentA, responsible_name: admin.full_name, label: admin.full_name });
      expect(byKey.get('502')).toMatchObject({ responsible_bitrix_id: '502', responsible_id: agentB, responsible_name: staff.full_name });
      // A Bitrix user without a local account is a row of its own, named as Bitrix names them.
      expect(byKey.get('599')).toMatchObject({ responsible_bitrix_id: '599', responsible_id: null, responsible_name: 'Só no Bitrix', label: 'Só no Bitrix' });
      expect(byKey.get(`user:${agentA}`)).toMatchObject({ responsible_bitrix_id: null, responsible_id: agentA, responsible_name: admin.full_name });
      expect(byKey.get(null)).toMatchObject({ responsible_id: null, responsible_name: null, label: 'Sem responsável' });
    });

    it('labels weeks by ISO week and keys them by their Monday', async () => {
      const res = await asAdmin('/reports/sla?group_by=week').expect(200);
      const first = res.body.groups[0];
      expect(first).toMatchObject({ key: '2025-12-29', label: '2026-W01' });
      const keys = res.body.groups.map((g: { key: string }) => g.key);
      expect(keys).toEqual([...keys].sort());
    });
  });

  describe('filters', () => {
    const live = () => tickets.filter((t) => !t.deleted_at);
    const inRange = (t: SeedTicket, from: string, toExclusive: string) =>
      Date.parse(t.created_at) >= Date.parse(from) && Date.parse(t.created_at) < Date.parse(toExclusive);

    it('from/to as dates: a date-only `to` covers its whole day', async () => {
      const res = await asAdmin('/reports/sla?from=2026-01-10&to=2026-01-31&group_by=day').expect(200);
      const expected = live().filter((t) => inRange(t, '2026-01-10T00:00:00Z', '2026-02-01T00:00:00Z'));
      expect(expected.some((t) => t.created_at === '2026-01-31T23:59:59.000Z')).toBe(true);
      expect(res.body.filters).toMatchObject({ from: '2026-01-10', to: '2026-01-31' });
      check(res.body, expected, 'day');
    });

    it('from/to as instants are inclusive', async () => {
      const res = await asAdmin('/reports/sla?from=2026-01-10T12:00:00Z&to=2026-02-01T00:00:00.000Z').expect(200);
      const expected = live().filter(
        (t) => Date.parse(t.created_at) >= Date.parse('2026-01-10T12:00:00Z') && Date.parse(t.created_at) <= Date.parse('2026-02-01T00:00:00Z'),
      );
      expect(expected.some((t) => t.created_at === '2026-02-01T00:00:00.000Z')).toBe(true);
      check(res.body, expected, 'priority');
    });

    it('an instant with an offset is honoured', async () => {
      const res = await asAdmin(`/reports/sla?from=${encodeURIComponent('2026-01-31T20:00:00-04:00')}`).expect(200);
      check(res.body, live().filter((t) => Date.parse(t.created_at) >= Date.parse('2026-02-01T00:00:00Z')), 'priority');
    });

    it('assignee_department, priority, responsible_id and service_category together', async () => {
      const department = 'TI - Sistemas';
      const query = new URLSearchParams({
        assignee_department: department,
        priority: 'Alto',
        responsible_id: String(agentA),
        service_category: 'Hardware',
        group_by: 'service_category',
      });
      const res = await asAdmin(`/reports/sla?${query}`).expect(200);
      const expected = live().filter(
        (t) => t.assignee_department === department && t.priority === 'Alto' && t.responsible_id === agentA && t.service_category === 'Hardware',
      );
      expect(expected.length).toBeGreaterThan(3);
      expect(res.body.filters).toMatchObject({ assignee_department: department, priority: 'Alto', responsible_id: agentA, service_category: 'Hardware' });
      check(res.body, expected, 'service_category');
    });

    it.each([
      ['assignee_department', 'Suporte, "N1"', (t: SeedTicket) => t.assignee_department === 'Suporte, "N1"'],
      ['priority', 'Crítico', (t: SeedTicket) => t.priority === 'Crítico'],
      ['service_category', 'Rede', (t: SeedTicket) => t.service_category === 'Rede'],
    ] as const)('filter %s alone', async (field, value, keep) => {
      const res = await asAdmin(`/reports/sla?${new URLSearchParams({ [field]: value, group_by: 'responsible' })}`).expect(200);
      check(res.body, live().filter(keep), 'responsible');
    });

    it('no matching tickets: empty groups, zero totals and nulls (not NaN)', async () => {
      const res = await asAdmin('/reports/sla?from=2030-01-01&to=2030-12-31').expect(200);
      expect(res.body.groups).toEqual([]);
      expect(res.body.totals).toEqual({
        opened: 0,
        closed: 0,
        open: 0,
        open_overdue: 0,
        closed_with_deadline: 0,
        closed_within_sla: 0,
        pct_closed_within_sla: null,
        median_hours_to_close: null,
        p90_hours_to_close: null,
        mean_rating: null,
        ratings_count: 0,
      });
    });

    it('open tickets without ratings: nulls for durations, SLA and rating', async () => {
      const res = await asAdmin(`/reports/sla?responsible_id=${agentA}&from=2026-01-10T12:00:00Z&to=2026-01-10T12:00:00Z&priority=Alto`).expect(200);
      const expected = live().filter((t) => t.responsible_id === agentA && t.created_at === '2026-01-10T12:00:00.000Z' && t.priority === 'Alto');
      check(res.body, expected, 'priority');
    });

    it('treats empty parameters as absent', async () => {
      const res = await asAdmin('/reports/sla?from=&priority=&group_by=').expect(200);
      expect(res.body.group_by).toBe('priority');
      check(res.body, tickets, 'priority');
    });
  });

  describe('validation', () => {
    it.each([
      ['from', 'from=2026-13-01'],
      ['from', 'from=ontem'],
      ['to', 'to=2026-02-30'],
      ['to', 'to=2026-01-01T25:00:00Z'],
      ['priority', 'priority=Urgente'],
      ['group_by', 'group_by=year'],
      ['responsible_id', 'responsible_id=0'],
      ['responsible_id', 'responsible_id=-3'],
      ['responsible_id', 'responsible_id=abc'],
      ['responsible_id', 'responsible_id=1.5'],
    ])('rejects a bad %s with 400 naming it (%s)', async (field, query) => {
      const res = await asAdmin(`/reports/sla?${query}`).expect(400);
      expect(res.body.statusCode).toBe(400);
      expect(JSON.stringify(res.body.message)).toContain(field);
    });

    it('rejects from after to with 400', async () => {
      const res = await asAdmin('/reports/sla?from=2026-02-01&to=2026-01-31').expect(400);
      expect(JSON.stringify(res.body.message)).toContain('from');
      await asAdmin('/reports/sla?from=2026-01-31T12:00:00Z&to=2026-01-31').expect(200);
      await asAdmin('/reports/sla?from=2026-01-31T12:00:01Z&to=2026-01-31T12:00:00Z').expect(400);
    });

    it('validates the CSV route the same way', async () => {
      await asAdmin('/reports/sla.csv?group_by=nope').expect(400);
    });
  });

  describe('CSV', () => {
    it('has the same figures as the JSON, a header, a totals row and a download name', async () => {
      const query = 'from=2026-01-01&to=2026-01-31&group_by=assignee_department';
      const [json, csv] = await Promise.all([asAdmin(`/reports/sla?${query}`).expect(200), asAdmin(`/reports/sla.csv?${query}`).expect(200)]);
      expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(csv.headers['content-disposition']).toBe('attachment; filename="sla-report-2026-01-01-2026-01-31.csv"');
      const [header, ...rows] = parseCsv(csv.text);
      expect(header.slice(0, 4)).toEqual(['row_type', 'group_by', 'key', 'label']);
      expect(rows).toHaveLength(json.body.groups.length + 1);
      const cell = (row: string[], column: string) => row[header.indexOf(column)];
      const asJson = (value: string) => (value === '' ? null : Number(value));
      const metricColumns = Object.keys(json.body.totals);
      expect(header).toEqual(expect.arrayContaining(metricColumns));
      json.body.groups.forEach((group: Record<string, unknown>, i: number) => {
        expect(cell(rows[i], 'row_type')).toBe('group');
        expect(cell(rows[i], 'key')).toBe(group.key ?? '');
        for (const column of metricColumns) expect(asJson(cell(rows[i], column))).toBe(group[column]);
      });
      expect(rows.map((r) => cell(r, 'key'))).toContain('Suporte, "N1"');
      const total = rows[rows.length - 1];
      expect(cell(total, 'row_type')).toBe('total');
      for (const column of metricColumns) expect(asJson(cell(total, column))).toBe(json.body.totals[column]);
    });

    it('adds responsible columns when grouped by responsible, and a sane name without dates', async () => {
      const res = await asAdmin('/reports/sla.csv?group_by=responsible').expect(200);
      expect(res.headers['content-disposition']).toBe('attachment; filename="sla-report-inicio-hoje.csv"');
      const [header, ...rows] = parseCsv(res.text);
      expect(header).toEqual(expect.arrayContaining(['responsible_bitrix_id', 'responsible_id', 'responsible_name']));
      expect(rows.some((r) => r[header.indexOf('responsible_name')] === staff.full_name)).toBe(true);
    });

    it('keeps only safe characters of instants in the file name', async () => {
      const res = await asAdmin(`/reports/sla.csv?from=${encodeURIComponent('2026-01-01T10:00:00Z')}`).expect(200);
      expect(res.headers['content-disposition']).toBe('attachment; filename="sla-report-2026-01-01T100000Z-hoje.csv"');
    });

    it('an empty report is a header and a totals row', async () => {
      const res = await asAdmin('/reports/sla.csv?from=2030-01-01').expect(200);
      const rows = parseCsv(res.text);
      expect(rows).toHaveLength(2);
      expect(rows[1].slice(0, 5)).toEqual(['total', 'priority', '', 'Total', '0']);
    });
  });

  it('is documented in Swagger under Reports, with examples', async () => {
    const res = await api().get('/docs-json').expect(200);
    const paths = res.body.paths as Record<string, Record<string, { tags: string[] }>>;
    expect(paths['/reports/sla'].get.tags).toEqual(['Reports']);
    expect(paths['/reports/sla.csv'].get.tags).toEqual(['Reports']);
    const schemas = res.body.components.schemas as Record<string, { properties: Record<string, { example?: unknown }> }>;
    expect(schemas.SlaReportGroupDto.properties.median_hours_to_close.example).toBeDefined();
  });
});
