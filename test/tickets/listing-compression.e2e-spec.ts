import http from 'node:http';
import zlib from 'node:zlib';
import { insertDeal } from '../realtime/deals.fixture';
import { startTestStack, TestStack } from '../support/test-stack';
import { createUser, TestUser } from '../support/users';

/** A raw GET (node:http does not decode), so the bytes on the wire are what is measured. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

describe('Listings compressed as the client accepts (e2e)', () => {
  let stack: TestStack;
  let user: TestUser;

  beforeAll(async () => {
    stack = await startTestStack();
    user = await createUser(stack);
    for (let n = 0; n < 40; n++) await insertDeal(stack.dataSource, { requesterId: user.id, title: `Impressora do andar ${n} não imprime` });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('br and gzip when accepted, identity otherwise, the same JSON after decoding; small answers stay plain', async () => {
    const url = `${stack.url}/tickets/${user.id}`;
    const auth = { cookie: user.cookies.join('; ') };
    const plain = await rawGet(url, { ...auth, 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const br = await rawGet(url, { ...auth, 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toMatch(/Accept-Encoding/i);
    const gzip = await rawGet(url, { ...auth, 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    // Presigned URLs differ between two calls only in their signature time; compare the decoded structure.
    const strip = (text: string) => text.replace(/X-Amz-[^"&]+/g, '');
    expect(strip(zlib.brotliDecompressSync(br.body).toString('utf8'))).toBe(strip(plain.body.toString('utf8')));
    expect(strip(zlib.gunzipSync(gzip.body).toString('utf8'))).toBe(strip(plain.body.toString('utf8')));
    process.stdout.write(`listing of 40 tickets: ${plain.body.length} B plain, ${gzip.body.length} B gzip, ${br.body.length} B br\n`);
    expect(br.body.length).toBeLessThan(plain.body.length * 0.3);

    const small = await rawGet(`${stack.url}/health`, { 'accept-encoding': 'gzip, br' });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
  });
});
