// Ticket creation benchmark (issue 9): Bitrix HTTP requests per ticket (target: at most 2, or 3 with
// attachments) and p50/p99 latency of POST /ticket while the Bitrix24 emulator takes 100 ms per answer.
//
// Run: npm run build && node bench/ticket-create.mjs [--tickets 40] [--concurrency 4] [--latency 100]
//
// Starts an embedded PostgreSQL and an s3rver, the Bitrix24 emulator (from dist/, rate limit off so the
// numbers show our round trips, not the portal's bucket) and the compiled app as a child process.
import path from 'node:path';
import { createRequire } from 'node:module';
import { ensureBuilt, numberArg, percentile, printTable, registerAndLogin, ROOT, startApp, startInfra } from './support.mjs';

const require = createRequire(import.meta.url);
const TICKETS = numberArg('tickets', 40);
const CONCURRENCY = numberArg('concurrency', 4);
const LATENCY_MS = numberArg('latency', 100);

function ticketBody(n, withAttachment) {
  return {
    full_name: 'Maria Santos',
    title: `Sistema travando ao gerar relatório #${n}`,
    description: "Ao clicar em 'Gerar Relatório', o sistema congela",
    subject: 'Suporte Técnico',
    assignee_department: 'TI',
    email: `maria.santos${n % 5}@carvalima.test`,
    phone: '+55 11 91234-5678',
    priority: ['Crítico', 'Alto', 'Médio', 'Baixo'][n % 4],
    requester_department: 'Financeiro',
    service_category: 'Sistema Financeiro',
    system_type: 'ERP',
    attachments: withAttachment ? [{ filename: 'log.txt', content: Buffer.alloc(100 * 1024, 'x').toString('base64') }] : undefined,
  };
}

async function run(app, bitrix, user, withAttachment) {
  bitrix.resetStats();
  const latencies = [];
  let next = 0;
  let failures = 0;
  const worker = async () => {
    while (next < TICKETS) {
      const n = next++;
      const started = performance.now();
      const res = await fetch(`${app.url}/ticket`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: user.authorization },
        body: JSON.stringify(ticketBody(n, withAttachment)),
      });
      await res.arrayBuffer();
      if (res.status === 201) latencies.push(performance.now() - started);
      else failures += 1;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  latencies.sort((a, b) => a - b);
  return {
    tickets: latencies.length,
    failures,
    'bitrix requests / ticket': +(bitrix.stats.httpRequests / TICKETS).toFixed(2),
    'p50 ms': Math.round(percentile(latencies, 50)),
    'p99 ms': Math.round(percentile(latencies, 99)),
    'max ms': Math.round(latencies.at(-1)),
  };
}

async function main() {
  ensureBuilt();
  const { startBitrixEmulator } = require(path.join(ROOT, 'dist/bitrix-emulator/src/index.js'));
  const infra = await startInfra();
  const bitrix = await startBitrixEmulator({ rateLimit: 0, latencyMs: LATENCY_MS });
  bitrix.pauseEvents(); // outbound events would make the webhook re-read deals: not part of creation
  const app = await startApp({
    ...infra.appEnv(),
    BITRIX_INBOUND_URL: bitrix.inboundUrl,
    BITRIX_APP_TOKEN: bitrix.options.applicationToken,
    BITRIX_RATE_LIMIT: '1000',
    BITRIX_RATE_BURST: '1000',
  });
  try {
    const user = await registerAndLogin(app.url, 0);
    await run(app, bitrix, user, false); // warm-up (JIT, connection pools, contact cache)
    const rows = {
      'without attachments': await run(app, bitrix, user, false),
      'with one 100 KB attachment': await run(app, bitrix, user, true),
    };
    printTable(`POST /ticket: ${TICKETS} tickets each, ${CONCURRENCY} concurrent, Bitrix emulator answering in ${LATENCY_MS} ms`, rows);
    const ok = rows['without attachments']['bitrix requests / ticket'] <= 2 && rows['with one 100 KB attachment']['bitrix requests / ticket'] <= 3;
    console.log(`Target (<= 2 requests, <= 3 with attachments): ${ok ? 'PASS' : 'FAIL'}`);
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
