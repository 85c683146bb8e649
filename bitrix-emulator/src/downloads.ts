import { IncomingMessage, ServerResponse } from 'node:http';
import { NGINX_404, sendHtml } from './http-utils';
import { Portal } from './portal';

/**
 * Serves the bytes behind every file URL the emulator hands out (disk DOWNLOAD_URL, comment
 * urlDownload/urlShow, activity FILES url). Only a valid signed `token` opens a file; anything
 * else gets nginx's 404 page, as a real portal does for a tampered link.
 */
const DOWNLOAD_PATHS = [/^\/rest\/download(\.json)?$/, /^\/disk\/(downloadFile|showFile)\/(\d+)\/?$/, /^\/bitrix\/tools\/crm_show_file\.php$/];

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
