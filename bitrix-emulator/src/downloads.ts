import { IncomingMessage, ServerResponse } from 'node:http';
import { NGINX_404, sendHtml, sendJson } from './http-utils';
import { Portal } from './portal';

/**
 * Serves the bytes behind every file URL the emulator hands out (disk DOWNLOAD_URL, comment
 * urlDownload/urlShow, activity FILES url). Only a valid signed `token` opens a file; anything
 * else gets nginx's 404 page, as a real portal does for a tampered link.
 */
const WEBHOOK_DOWNLOAD = /^\/rest\/(\d+)\/([^/]+)\/download\/?$/;
/** Links that need a logged-in browser session on a real portal (comment and activity files). */
const SESSION_LINKS = [/^\/disk\/(downloadFile|showFile)\/(\d+)\/?$/, /^\/bitrix\/tools\/crm_show_file\.php$/];
// `/rest/download.json?auth=&token=` is the OAuth shape (issued by older emulator versions; kept for state files).
const DOWNLOAD_PATHS = [WEBHOOK_DOWNLOAD, /^\/rest\/download(\.json)?$/, ...SESSION_LINKS];

/** What a portal answers a browser without a session: its authorization form (HTTP 200, text/html). */
export const LOGIN_PAGE = `<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>Authorization</title></head>
<body class="bx-login">
<form name="form_auth" method="post" target="_top" action="/auth/?login=yes">
<input type="hidden" name="AUTH_FORM" value="Y"><input type="hidden" name="TYPE" value="AUTH">
<input type="text" name="USER_LOGIN"><input type="password" name="USER_PASSWORD">
<input type="submit" name="Login" value="Log In">
</form>
</body></html>
`;

const MIME: Record<string, string> = {
  pdf: 'application/pdf', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', txt: 'text/plain',
  csv: 'text/csv', html: 'text/html', json: 'application/json', zip: 'application/zip', xml: 'application/xml',
  doc: 'application/msword', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

export function isDownloadPath(pathname: string): boolean {
  return DOWNLOAD_PATHS.some((re) => re.test(pathname));
}

export function handleDownload(req: IncomingMessage, res: ServerResponse, url: URL, portal: Portal): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendHtml(res, 404, NGINX_404);
    return;
  }
  const webhook = WEBHOOK_DOWNLOAD.exec(url.pathname);
  if (webhook && (webhook[1] !== String(portal.options.webhookUserId) || webhook[2] !== portal.options.webhookCode)) {
    sendJson(res, 401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    return;
  }
  if (portal.options.fileLinksNeedSession && SESSION_LINKS.some((re) => re.test(url.pathname))) {
    sendHtml(res, 200, LOGIN_PAGE);
    return;
  }
  const file = portal.fileFromToken(url.searchParams.get('token'));
  const pathId = /^\/disk\/(?:downloadFile|showFile)\/(\d+)/.exec(url.pathname)?.[1];
  const queryId = url.searchParams.get('fileId');
  if (!file || (pathId !== undefined && Number(pathId) !== file.id) || (queryId !== null && Number(queryId) !== file.id)) {
    sendHtml(res, 404, NGINX_404);
    return;
  }
  const ext = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? '';
  const inline = url.pathname.startsWith('/disk/showFile/');
  res.writeHead(200, {
    'content-type': MIME[ext] ?? 'application/octet-stream',
    'content-length': file.content.length,
    'content-disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
  });
  res.end(req.method === 'HEAD' ? undefined : file.content);
}
