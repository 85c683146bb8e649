import { isIP } from 'node:net';

export interface TlsCertificate {
  keyPem: string;
  certPem: string;
}

/**
 * A self-signed certificate for the emulator's HTTPS listener, generated at start (`selfsigned`, EC P-256,
 * valid one day) for `host`, localhost and 127.0.0.1. Clients trust it by its PEM (the emulator's
 * `certificatePem`). The library is loaded only when HTTPS is asked for.
 */
export async function generateCertificate(host: string): Promise<TlsCertificate> {
  const { generate } = await import('selfsigned');
  const names = new Set(['localhost', '127.0.0.1', host]);
  const altNames = [...names].map((name) => (isIP(name) ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: host }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 86_400_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { keyPem: pems.private, certPem: pems.cert };
}
