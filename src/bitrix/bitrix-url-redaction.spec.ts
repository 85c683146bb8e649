import { redactBitrixSecrets } from './bitrix-url-redaction';

describe('redactBitrixSecrets', () => {
  const code = 'k3y9secret0code77';
  const token = 'disk%7C90001%7Cd47f3608a87c9c704c1b20064735c079';

  it.each([
    ['inbound webhook', `https://carvalima.bitrix24.com.br/rest/1/${code}/crm.deal.get.json`],
    ['webhook DOWNLOAD_URL', `https://carvalima.bitrix24.com.br/rest/1/${code}/download/?token=${token}`],
    ['OAuth DOWNLOAD_URL', `https://carvalima.bitrix24.com.br/rest/download.json?auth=${code}&token=${token}`],
    ['comment urlDownload', `https://carvalima.bitrix24.com.br/disk/downloadFile/930/?&ncc=1&filename=a.pdf&auth=${code}`],
    ['activity url', `https://carvalima.bitrix24.com.br/bitrix/tools/crm_show_file.php?fileId=1&ownerTypeId=6&ownerId=2&auth=${code}&token=${token}`],
    ['event form', `event=ONCRMDEALADD&auth[application_token]=${code}&auth%5Baccess_token%5D=x`],
    ['url-encoded event form', `event=ONCRMDEALADD&auth%5Bapplication_token%5D=${code}`],
    ['access and refresh tokens', `?access_token=${code}&refresh_token=${code}`],
  ])('%s', (_shape, url) => {
    const line = JSON.stringify({ msg: `GET ${url} failed`, url });
    const out = redactBitrixSecrets(line);
    expect(out).not.toContain(code);
    expect(out).not.toContain('d47f3608a87c9c704c1b20064735c079');
    expect(out).toContain('***');
    // Still readable: the host and the method or file stay.
    expect(out).toMatch(/carvalima\.bitrix24\.com\.br|ONCRMDEALADD|\?access_token=/);
  });

  it('keeps text without secrets and is idempotent', () => {
    const plain = 'Bitrix crm.deal.get: QUERY_LIMIT_EXCEEDED (HTTP 503), retry 1/3 in 500 ms; file /rest/download.json';
    expect(redactBitrixSecrets(plain)).toBe(plain);
    const once = redactBitrixSecrets(`https://p/rest/12/${code}/download/?token=${token}`);
    expect(once).toBe('https://p/rest/12/***/download/?token=***');
    expect(redactBitrixSecrets(once)).toBe(once);
  });
});
