import { Writable } from 'node:stream';
import pino from 'pino';
import { pinoHttpOptions } from './logging.module';

/** The production logger's options, writing real pino lines into memory. */
function captureLogger(): { logger: pino.Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  const logger = pino(pinoHttpOptions({ logLevel: 'debug', logFormat: 'json' }), stream);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean) };
}

describe('log lines never carry a Bitrix24 webhook secret, whatever the URL shape', () => {
  const code = 'zq81webhooksecret';
  const signature = '5e1f0c2b9a7d4e3f8a6b1c0d2e4f6a8b';
  const portal = 'https://carvalima.bitrix24.com.br';
  const links = [
    `${portal}/rest/1/${code}/crm.deal.update.json`,
    `${portal}/rest/1/${code}/download/?token=disk%7C90001%7C${signature}`,
    `${portal}/rest/download.json?auth=${code}&token=disk%7C90001%7C${signature}`,
    `${portal}/disk/downloadFile/930/?&ncc=1&filename=a.pdf&auth=${code}`,
    `${portal}/bitrix/tools/crm_show_file.php?fileId=3&ownerTypeId=6&ownerId=5&auth=${code}`,
  ];

  it.each(links)('in the message, in a field and in an error: %s', (link) => {
    const { logger, lines } = captureLogger();
    logger.warn(`Bitrix file 930: download of ${link} refused`);
    logger.info({ link, nested: { url: link } }, 'attachment');
    logger.error({ err: new Error(`fetch failed for ${link}`) }, 'download failed');
    const out = lines();
    expect(out).toHaveLength(3);
    for (const line of out) {
      expect(line).not.toContain(code);
      expect(line).not.toContain(signature);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    expect(out[0]).toContain(portal);
  });
});
