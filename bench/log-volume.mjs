// Log volume per request (issue 13): bytes the app writes to stdout for one request, at LOG_LEVEL=info in
// production (JSON) format, for the webhook intake (form posts, the Bitrix24 hot path, and JSON posts), an
// authenticated listing and an unauthenticated request (401). Requests are sent one at a time so every log
// line written between two marks belongs to that kind.
//
// Run: npm run build && node bench/log-volume.mjs [--requests 200]
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureBuilt, numberArg, printTable, registerAndLogin, ROOT, startApp, startInfra } from './support.mjs';

const require = createRequire(import.meta.url);
const REQUESTS = numberArg('requests', 200);

async function main() {
  ensureBuilt();
  const { startBitrixEmulator } = require(path.join(ROOT, 'dist/bitrix-emulator/src/index.js'));
  const infra = await startInfra();
  const bitrix = await startBitrixEmulator({ rateLimit: 50, rateBurst: 250 });
  const dealId = Number(bitrix.createDeal({ TITLE: 'Chamado' }).ID);
  let bytes = 0;
  let lines = 0;
  let lastLine = '';
  const env = { ...infra.appEnv(), BITRIX_INBOUND_URL: bitrix.inboundUrl, BITRIX_APP_TOKEN: bitrix.options.applicationToken, LOG_LEVEL: 'info', LOG_FORMAT: 'json' };
  const app = await startApp(env, {
    onStdout: (chunk) => {
      bytes += chunk.length;
      const text = chunk.toString('utf8');
      lines += text.split('\n').length - 1;
      lastLine = text.trim().split('\n').at(-1) ?? lastLine;
    },
  });
  try {
    const user = await registerAndLogin(app.url, 0);
    const token = bitrix.options.applicationToken;
    const form = () =>
      new URLSearchParams({ event: 'ONCRMDEALUPDATE', 'data[FIELDS][ID]': String(dealId), ts: String(Math.floor(Date.now() / 1000)), 'auth[application_token]': token }).toString();
    const kinds = {
      'POST /webhook-bitrix24 (form)': () =>
        fetch(`${app.url}/webhook-bitrix24`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form() }),
      'POST /webhook-bitrix24 (JSON)': () =>
        fetch(`${app.url}/webhook-bitrix24`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ event: 'ONCRMDEALUPDATE', data: { FIELDS: { ID: String(dealId) } }, auth: { application_token: token } }),
        }),
      'GET /tickets/{user_id} (200)': () => fetch(`${app.url}/tickets/${user.id}`, { headers: { authorization: user.authorization } }),
      'GET /auth/me (401)': () => fetch(`${app.url}/auth/me`),
    };
    const rows = [];
    const samples = [];
    for (const [kind, send] of Object.entries(kinds)) {
      await new Promise((r) => setTimeout(r, 1500)); // let the workers' own lines of the previous kind pass
      const [bytesBefore, linesBefore] = [bytes, lines];
      for (let i = 0; i < REQUESTS; i++) {
        const res = await send();
        await res.arrayBuffer();
      }
      await new Promise((r) => setTimeout(r, 300)); // stdout of the last requests
      samples.push(`${kind}:\n  ${lastLine}`);
      rows.push({ request: kind, 'bytes/request': Math.round((bytes - bytesBefore) / REQUESTS), 'lines/request': +((lines - linesBefore) / REQUESTS).toFixed(2) });
    }
    console.log(`Last line of each kind:\n${samples.join('\n')}`);
    printTable(`Log volume at LOG_LEVEL=info, JSON (${REQUESTS} requests of each kind, one at a time)`, rows);
  } finally {
    await app.stop();
    await bitrix.close();
    await infra.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
