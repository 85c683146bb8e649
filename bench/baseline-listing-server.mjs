// Baseline for the listing benchmark, written for the benchmark only: plain node:http + pg doing the
// necessary work of GET /tickets/{user_id} and nothing else — verify the JWT cookie, one hand-written
// SQL query building the same JSON (deals with nested activities and files), presign the file URLs.
// Started by bench/listing.mjs as a child process: node bench/baseline-listing-server.mjs <port>
import { S3Client } from '@aws-sdk/client-s3';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { createRequire } from 'node:module';
import http from 'node:http';
import pg from 'pg';

const require = createRequire(import.meta.url);
const jwt = require('jsonwebtoken');

const { DATABASE_URL, JWT_SECRET, S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_BUCKET } = process.env;
const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 20 });
const s3 = new S3Client({
  region: 'us-east-1',
  endpoint: S3_ENDPOINT,
  forcePathStyle: true,
  credentials: { accessKeyId: S3_ACCESS_KEY, secretAccessKey: S3_SECRET_KEY },
});
// Presigning signs the request directly (the fastest correct way, as the product does), so the yardstick is not
// slowed down by the SDK's per-command middleware.
const presigner = new S3RequestPresigner({ ...s3.config });
const endpoint = new URL(S3_ENDPOINT);
const esc = (v) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
async function presign(key, seconds) {
  if (!key) return null;
  const signed = await presigner.presign(
    {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: Number(endpoint.port),
      path: `/${S3_BUCKET}/${key.split('/').map(esc).join('/')}`,
      query: { 'x-id': 'GetObject' },
      headers: { host: endpoint.host },
    },
    { expiresIn: seconds },
  );
  return `${endpoint.protocol}//${endpoint.host}${signed.path}?${Object.keys(signed.query).sort().map((k) => `${esc(k)}=${esc(signed.query[k])}`).join('&')}`;
}

const SQL = `
SELECT d.id, d.deal_id, d.title, d.description, d.stage_id, d.opened, d.closed, d.created_by_id,
       d.requester_department, d.assignee_department, d.service_category, d.system_type, d.priority,
       d.matricula, d.date_deadline, d.modify_by_id, d.moved_by_id, d.last_activity_by_id,
       d.last_communication_time, d.close_date, d.begin_date, d.created_at, d.updated_at, d.responsible,
       d.responsible_email, d.is_unread, ru.profile_picture AS responsible_picture, qu.profile_picture AS requester_picture,
       COALESCE((SELECT json_agg(json_build_object('id', f.id, 'file_url', f.file_url, 'filename', f.filename) ORDER BY f.id)
                   FROM deal_files f WHERE f.deal_id = d.id), '[]') AS files,
       COALESCE((SELECT json_agg(json_build_object(
                   'id', a.id, 'activity_id', a.activity_id, 'type_id', a.type_id, 'direction', a.direction,
                   'subject', a.subject, 'description', a.description, 'body_html', a.body_html,
                   'from_email', a.from_email, 'to_email', a.to_email, 'responsible_name', a.responsible_name,
                   'responsible_email', a.responsible_email, 'created_at_bitrix', a.created_at_bitrix,
                   'created_at', a.created_at,
                   'files', COALESCE((SELECT json_agg(json_build_object('id', af.id, 'file_url', af.file_url, 'filename', af.filename))
                                        FROM activity_files af WHERE af.activity_id = a.id), '[]')) ORDER BY a.created_at_bitrix, a.id)
                   FROM activities a WHERE a.deal_id = d.id), '[]') AS activities
  FROM deals d
  LEFT JOIN users ru ON ru.id = d.responsible_id
  LEFT JOIN users qu ON qu.id = d.user_id
 WHERE d.deleted_at IS NULL AND (d.user_id = $1 OR d.responsible_id = $1)
 ORDER BY d.created_at DESC, d.id DESC
 LIMIT $2 OFFSET $3`;

async function handle(req, res) {
  const url = new URL(req.url, 'http://x');
  const match = /^\/tickets\/(\d+)$/.exec(url.pathname);
  if (!match) return send(res, 404, { detail: 'not found' });
  const token = /(?:^|;\s*)access_token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  let claims;
  try {
    claims = jwt.verify(token, JWT_SECRET, { algorithms: ['HS256'] });
  } catch {
    return send(res, 401, { detail: 'unauthorized' });
  }
  const userId = Number(match[1]);
  if (claims.sub !== userId) return send(res, 403, { detail: 'forbidden' });
  const limit = url.searchParams.has('limit') ? Number(url.searchParams.get('limit')) : null;
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const { rows } = await pool.query(SQL, [userId, limit, offset]);
  const cards = await Promise.all(
    rows.map(async ({ responsible_picture, requester_picture, ...deal }) => ({
      ...deal,
      responsible_profile_picture_url: await presign(responsible_picture, 168 * 3600),
      requester_profile_picture_url: await presign(requester_picture, 168 * 3600),
      files: await Promise.all(deal.files.map(async (f) => ({ ...f, file_url: await presign(f.file_url, 7200) }))),
      activities: await Promise.all(
        deal.activities.map(async (a) => ({ ...a, files: await Promise.all(a.files.map(async (f) => ({ ...f, file_url: await presign(f.file_url, 7200) }))) })),
      ),
    })),
  );
  send(res, 200, cards);
}

function send(res, status, body) {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json) });
  res.end(json);
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((error) => send(res, 500, { detail: String(error) }));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('ready'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
