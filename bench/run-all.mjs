// `npm run bench`: every benchmark scenario in turn, each printing its own table.
// Builds once (the listing benchmark runs the compiled app), then runs the scripts as child processes.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './support.mjs';

const scenarios = [
  ['listing (issue 9)', 'bench/listing.mjs'],
  ['ticket creation (issue 9)', 'bench/ticket-create.mjs'],
  ['webhook intake (issue 9)', 'bench/webhook-intake.mjs'],
  ['webhook coalescing (issue 5)', 'bench/webhook-coalescing.mjs'],
  ['Socket.IO fan-out (issue 6)', 'bench/socket-fanout.mjs'],
  ['SLA report over 100k tickets (issue 7)', 'bench/reports.mjs'],
  ['log volume per request (issue 13)', 'bench/log-volume.mjs'],
  ['adoption of the legacy database, 10k deals x 5 activities (issue 16)', 'bench/adoption.mjs'],
  ['input rules on POST /ticket bodies (issue 14)', 'bench/input-validation.mjs'],
  ['notification fan-out, 1,000 events to Teams and Slack (issue 19)', 'bench/notifications.mjs'],
  ['Web Push sender, 1,000 browsers (issue 19)', 'bench/push-send.mjs'],
];

execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
let failed = 0;
for (const [name, script] of scenarios) {
  console.log(`\n=== ${name}: node ${script}`);
  try {
    execFileSync(process.execPath, [path.join(ROOT, script)], { cwd: ROOT, stdio: 'inherit' });
  } catch {
    failed += 1;
    console.error(`!!! ${name} failed`);
  }
}
process.exit(failed ? 1 : 0);
