// Baseline for the webhook intake benchmark, written for the benchmark only: plain node:http + pg doing
// one durable INSERT per event and answering "OK" — nothing else (no token check, no parsing).
// Started by bench/webhook-intake.mjs as a child process: node bench/baseline-webhook-server.mjs <port>
import http from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20 });
await pool.query('CREATE TABLE IF NOT EXISTS baseline_webhook_inbox (id bigserial PRIMARY KEY, body text NOT NULL, received_at timestamptz NOT NULL DEFAULT clock_timestamp())');

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    pool
      .query('INSERT INTO baseline_webhook_inbox (body) VALUES ($1)', [Buffer.concat(chunks).toString('utf8')])
      .then(() => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('"OK"');
      })
      .catch(() => {
        res.writeHead(500);
        res.end();
      });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
