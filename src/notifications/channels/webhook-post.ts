import { DeliveryOutcome, outcomeOfResponse } from '../notification-contract';

/**
 * POSTs a JSON message to a Teams or Slack webhook and says what came of it. Never throws, and never puts the
 * URL (a secret) in a reason: reasons are an HTTP status or a network error code.
 */
export async function postToWebhook(url: string, body: object, timeoutMs: number): Promise<DeliveryOutcome> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    return { kind: 'retry', reason: networkReason(error) };
  }
  // The body is read (and dropped) so the connection goes back to the pool.
  await response.arrayBuffer().catch(() => undefined);
  return outcomeOfResponse(response.status, response.headers.get('retry-after'));
}

function networkReason(error: unknown): string {
  const e = error as { name?: string; cause?: { code?: string; name?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timeout';
  const code = e.cause?.code ?? e.cause?.name;
  return code ? `network: ${code}` : 'network error';
}
