import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
// s3rver has no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (options: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

export const TEST_BUCKET = 'anexos-email-bitrix';
export const TEST_S3_KEY = 'S3RVER';

/** A real S3 protocol server (s3rver) on loopback with the app's bucket. */
export class S3TestServer {
  private server?: InstanceType<typeof S3rver>;
  private dir?: string;
  port = 0;

  async start(): Promise<void> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helpdesk-s3-'));
    this.server = new S3rver({
      port: 0,
      address: '127.0.0.1',
      silent: true,
      directory: this.dir,
      configureBuckets: [{ name: TEST_BUCKET }],
    });
    const address = await this.server.run();
    this.port = address.port;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Every object key in the bucket, read from s3rver's directory (independent of the app's S3 client). */
  keys(): string[] {
    const root = path.join(this.dir!, TEST_BUCKET);
    if (!fs.existsSync(root)) return [];
    const out: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else if (entry.name.endsWith('._S3rver_object')) out.push(path.relative(root, full).replace(/\._S3rver_object$/, ''));
      }
    };
    walk(root);
    return out;
  }

  async stop(): Promise<void> {
    await this.server?.close();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
