// Benchmark of `npm run adopt` (issue 16): the FastAPI database with 10,000 deals x 5 activities (target:
// adoption under 2 minutes on our 2-core machines).
//
// Run from the repository root after `npm run build` (npm run bench builds first):
//   node bench/adoption.mjs                       # 10,000 deals x 5 activities, 500 users
//   node bench/adoption.mjs --deals 2000 --activities 3 --users 200
//
// What it does: starts a throw-away embedded PostgreSQL and an s3rver (bench/support.mjs), builds the
// legacy database with the test fixture's generator (test/fixtures/legacy: seed §4.1 tables, bcrypt $2b$
// hashes, a third of the CPFs as Python Fernet tokens, files under `attachments/{filename}`), uploads the
// objects the rows name, then runs the compiled CLI (node dist/src/adoption/adopt.cli.js) as the
// production image would: `--dry-run`, the adoption, and a second adoption, timing each (wall clock of the
// whole process, node start-up included). Everything is removed at the end.
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import legacyData from '../test/fixtures/legacy/legacy-data.js';
import { ROOT, ensureBuilt, numberArg, printTable, startInfra } from './support.mjs';

const deals = numberArg('deals', 10_000);
const perDeal = numberArg('activities', 5);
const users = numberArg('users', 500);

ensureBuilt();
const infra = await startInfra();
try {
  const fernetKey = legacyData.newFernetKey();
  const env = {
    ...infra.appEnv(),
    BITRIX_INBOUND_URL: 'http://127.0.0.1:9/rest/1/not-used/',
    BITRIX_APP_TOKEN: 'bench-application-token',
    LEGACY_CPF_FERNET_KEY: fernetKey,
    PATH: process.env.PATH ?? '',
  };
  const client = new pg.Client({ connectionString: infra.databaseUrl });
  await client.connect();
  let t = Date.now();
  const legacy = await legacyData.createLegacyDatabase(client, { users, deals, activitiesPerDeal: perDeal, fernetKey });
  await client.end();
  const generateMs = Date.now() - t;

  t = Date.now();
  const s3 = new S3Client({ endpoint: infra.s3Endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const queue = [...legacy.objects];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let o = queue.pop(); o; o = queue.pop()) await s3.send(new PutObjectCommand({ Bucket: 'anexos-email-bitrix', Key: o.key, Body: o.body }));
    }),
  );
  s3.destroy();
  const uploadMs = Date.now() - t;

  const cli = (args) =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      execFile(process.execPath, [path.join(ROOT, 'dist/src/adoption/adopt.cli.js'), ...args], { cwd: ROOT, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        if (code !== 0) reject(new Error(`adopt ${args.join(' ')} exited ${code}: ${stderr}\n${stdout}`));
        else resolve({ ms: Date.now() - started, stdout });
      });
    });
  const dry = await cli(['--dry-run', '--quiet']);
  const adopt = await cli(['--quiet']);
  const again = await cli(['--quiet']);
  const inner = /Adopted in ([\d.]+) s/.exec(adopt.stdout)?.[1];

  console.log(`legacy database: ${legacy.counts.users} users, ${legacy.counts.deals} deals, ${legacy.counts.activities} activities, ` +
    `${legacy.counts.deal_files} deal files, ${legacy.counts.activity_files} activity files, ${legacy.objects.length} S3 objects`);
  console.log(`(generated in ${(generateMs / 1000).toFixed(1)} s, objects uploaded in ${(uploadMs / 1000).toFixed(1)} s)`);
  printTable('npm run adopt (compiled CLI, wall clock per process)', [
    { step: 'adopt --dry-run (checks, S3 listing)', seconds: (dry.ms / 1000).toFixed(2) },
    { step: 'adopt (one transaction + later migrations)', seconds: (adopt.ms / 1000).toFixed(2) },
    { step: '  of which the adoption itself (CLI summary)', seconds: inner ?? '?' },
    { step: 'adopt again (nothing to do)', seconds: (again.ms / 1000).toFixed(2) },
  ]);
  const target = 120;
  console.log(`target: adoption under ${target} s -> ${adopt.ms / 1000 < target ? 'MET' : 'MISSED'}`);
} finally {
  await infra.stop();
}
