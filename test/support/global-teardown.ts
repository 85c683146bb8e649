import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __HELPDESK_PG__?: { pg: { stop: () => Promise<void> }; dir: string } }).__HELPDESK_PG__;
  if (!state) return;
  await state.pg.stop();
  fs.rmSync(state.dir, { recursive: true, force: true });
}
