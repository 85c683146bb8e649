import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

export const ROOT = path.resolve(__dirname, '../..');
const run = promisify(execFile);

let built: Promise<void> | undefined;

/**
 * `nest build` into dist/, once per test run (jest runs the files in one process, --runInBand), for tests
 * of what runs from the compiled code: `npm start`'s launcher and the operator CLIs of the production image.
 */
export function buildOnce(): Promise<void> {
  built ??= run(process.execPath, [path.join(ROOT, 'node_modules/@nestjs/cli/bin/nest.js'), 'build'], { cwd: ROOT, timeout: 180_000 }).then(() => {
    if (!fs.existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('nest build produced no dist/src/main.js');
  });
  return built;
}
