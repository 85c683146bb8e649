import { insertDeal } from '../realtime/deals.fixture';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';

/** Listings answer 304 to a current If-None-Match, from the rows' versions, and a new ETag after any change. */
describe('Listings with ETag / If-None-Match (e2e)', () => {
  let stack: TestStack;
  let user: TestUser;
  let other: TestUser;
  let dealId: number;

  const get = (path: string, who: TestUser, etag?: string) =>
    fetch(`${stack.url}${path}`, { headers: { cookie: who.cookies.join('; '), ...(etag ? { 'if-none-match': etag } : {}) } });

  beforeAll(async () => {
    stack = await startTestStack();
    user = await createUser(stack);
    other = await createUser(stack);
    for (let n = 0; n < 5; n++) dealId = await insertDeal(stack.dataSource, { requesterId: user.id, title: `Chamado ${n}` });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('200 with a weak ETag, then 304 without a body for the same ETag, on every listing', async () => {
    for (const path of [`/tickets/${user.id}`, `/tickets-opens/${user.id}`, `/tickets-responsible/${user.id}`, `/tickets/${user.id}?limit=2&offset=1`]) {
      const first = await get(path, user);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^W\/"[0-9a-f]{32}\.\d+"$/);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');
      await first.arrayBuffer();
      const again = await get(path, user, etag!);
      expect({ path, status: again.status, body: await again.text() }).toEqual({ path, status: 304, body: '' });
      expect(again.headers.get('etag')).toBe(etag);
    }
  });

  it('a new ETag and the new content after a change to a deal, an activity or a user; another page or filter has its own', async () => {
    const path = `/tickets/${user.id}`;
    const etagOf = async () => {
      const res = await get(path, user);
      await res.arrayBuffer();
      return res.headers.get('etag')!;
    };
    const seen = new Set<string>();
    const e0 = await etagOf();
    seen.add(e0);
    await stack.dataSource.query('UPDATE deals SET title = $1 WHERE deal_id = $2', ['Título novo', dealId]);
    const afterDeal = await get(path, user, e0);
    expect(afterDeal.status).toBe(200);
    expect(((await afterDeal.json()) as { title: string }[]).map((c) => c.title)).toContain('Título novo');
    const e1 = afterDeal.headers.get('etag')!;
    expect(seen.has(e1)).toBe(false);
    seen.add(e1);

    const [{ id: localDealId }] = await stack.dataSource.query('SELECT id FROM deals WHERE deal_id = $1', [dealId]);
    await stack.dataSource.query("INSERT INTO activities (deal_id, activity_id, type_id, subject, description) VALUES ($1, 99001, 2, 'Resposta', 'ok')", [localDealId]);
    const e2 = await etagOf();
    expect(seen.has(e2)).toBe(false);
    seen.add(e2);

    await stack.dataSource.query("UPDATE users SET profile_picture = 'avatars/novo.png' WHERE id = $1", [user.id]);
    const e3 = await etagOf();
    expect(seen.has(e3)).toBe(false);
    seen.add(e3);

    const paged = await get(`${path}?limit=2`, user, e3);
    expect(paged.status).toBe(200);
    expect(seen.has(paged.headers.get('etag')!)).toBe(false);
    await paged.arrayBuffer();
  });

  it('access comes first: another user gets 403 whatever ETag is sent', async () => {
    const first = await get(`/tickets/${user.id}`, user);
    await first.arrayBuffer();
    const res = await get(`/tickets/${user.id}`, other, first.headers.get('etag')!);
    expect(res.status).toBe(403);
  });

  it('two 200 answers with the same ETag are the same bytes, presigned URLs included (each signed once per presigning period)', async () => {
    await stack.dataSource.query(
      `INSERT INTO deal_files (deal_id, file_url, filename) SELECT id, 'attachments/etag-' || id || '/nota fiscal.pdf', 'nota fiscal.pdf' FROM deals WHERE user_id = $1`,
      [user.id],
    );
    const path = `/tickets/${user.id}`;
    // Two answers in the same presigning period (a 30-minute boundary between them would change the ETag: ask again).
    let pair: { etag: string | null; body: string }[] = [];
    for (let attempt = 0; attempt < 2; attempt++) {
      pair = [];
      for (let n = 0; n < 2; n++) {
        // Over a second apart: URLs signed "now" would differ in X-Amz-Date and signature.
        if (n > 0) await new Promise((resolve) => setTimeout(resolve, 1100));
        const res = await get(path, user);
        expect(res.status).toBe(200);
        pair.push({ etag: res.headers.get('etag'), body: await res.text() });
      }
      if (pair[0].etag === pair[1].etag) break;
    }
    expect(pair[1].etag).toBe(pair[0].etag);
    expect(pair[0].body).toContain('X-Amz-Signature=');
    expect(pair[0].body.match(/nota%20fiscal\.pdf/g)?.length).toBeGreaterThanOrEqual(5);
    expect(pair[1].body).toBe(pair[0].body);
  });
});
