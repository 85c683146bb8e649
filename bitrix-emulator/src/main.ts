/* CLI: starts the emulator from environment variables and seeds a few demo IT users. */
import { startBitrixEmulator } from './index';
import { EmulatorOptions } from './options';

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got "${raw}"`);
  return value;
}

async function main(): Promise<void> {
  const options: Partial<EmulatorOptions> = {
    host: process.env.EMULATOR_HOST || '127.0.0.1',
    port: numberFromEnv('EMULATOR_PORT') ?? 0,
    webhookCode: process.env.EMULATOR_WEBHOOK_CODE || undefined,
    eventHandlerUrl: process.env.EMULATOR_HANDLER_URL || undefined,
    applicationToken: process.env.EMULATOR_APP_TOKEN || undefined,
    rateLimit: numberFromEnv('EMULATOR_RATE_LIMIT'),
    rateBurst: numberFromEnv('EMULATOR_RATE_BURST'),
    latencyMs: numberFromEnv('EMULATOR_LATENCY_MS'),
    stateFile: process.env.EMULATOR_STATE_FILE || undefined,
    https: process.env.EMULATOR_HTTPS === '1' || process.env.EMULATOR_HTTPS === 'true',
  };
  const emulator = await startBitrixEmulator(options);
  const demoUsers = [
    { NAME: 'Ana', LAST_NAME: 'Souza', EMAIL: 'ana.souza@carvalima.com.br', UF_DEPARTMENT: [12], WORK_POSITION: 'Analista de Suporte' },
    { NAME: 'Bruno', LAST_NAME: 'Lima', EMAIL: 'bruno.lima@carvalima.com.br', UF_DEPARTMENT: [12], WORK_POSITION: 'Técnico de TI' },
    { NAME: 'Carla', LAST_NAME: 'Mendes', EMAIL: 'carla.mendes@carvalima.com.br', UF_DEPARTMENT: [12, 14], WORK_POSITION: 'Coordenadora de TI' },
    { NAME: 'Diego', LAST_NAME: 'Ramos', EMAIL: 'diego.ramos@carvalima.com.br', UF_DEPARTMENT: [14], WORK_POSITION: 'Desenvolvedor' },
  ];
  // With a state file the demo users may already be there from an earlier run: seed only the missing ones.
  const knownEmails = new Set(emulator.users.map((u) => String(u.EMAIL).toLowerCase()));
  for (const user of demoUsers) if (!knownEmails.has(user.EMAIL.toLowerCase())) emulator.seedUser(user);

  // Local dev tool: printing the inbound URL (which embeds the webhook code) is intended.
  console.log(`Bitrix24 emulator listening on ${emulator.url}`);
  console.log(`BITRIX_INBOUND_URL=${emulator.inboundUrl}`);
  console.log(`BITRIX_APP_TOKEN=${emulator.options.applicationToken}`);
  console.log(`Events -> ${emulator.options.eventHandlerUrl ?? '(no handler; set EMULATOR_HANDLER_URL or PATCH /admin/options)'}`);
  console.log(`Admin API: ${emulator.url}/admin/health`);
  if (options.stateFile) console.log(`State file: ${options.stateFile} (${emulator.listDeals().length} deals)`);

  // A repeated signal must not kill the process while close() writes the state file.
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err instanceof Error ? err.message : err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
