import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

const CLIENT_ERRORS: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Cabeçalhos ou URL da requisição excedem o tamanho máximo permitido'],
  HPE_URI_TOO_LONG: [414, 'URL da requisição excede o tamanho máximo permitido'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Tempo esgotado aguardando a requisição'],
};

/**
 * Requests Node's HTTP parser refuses (oversized headers/URL, malformed HTTP) never reach Express: answer
 * them in the API's JSON error shape instead of Node's empty default response.
 */
export function answerClientErrorsAsJson(server: Server): void {
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') {
      socket.destroy();
      return;
    }
    const [statusCode, detail] = CLIENT_ERRORS[error.code ?? ''] ?? [400, 'Requisição HTTP malformada'];
    const reason = statusCode === 431 ? 'Request Header Fields Too Large' : statusCode === 414 ? 'URI Too Long' : statusCode === 408 ? 'Request Timeout' : 'Bad Request';
    // The API's one error shape, with a request id of its own (the request never reached the middleware).
    const requestId = randomUUID();
    const body = JSON.stringify({ statusCode, error: reason, message: detail, detail, request_id: requestId });
    socket.end(
      `HTTP/1.1 ${statusCode} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nX-Request-Id: ${requestId}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
