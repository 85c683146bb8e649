/**
 * Hides Bitrix24 secrets wherever a URL carrying them ends up in text (log lines, error descriptions), whatever
 * its shape, without knowing the configured webhook:
 * - the inbound webhook path `/rest/<user>/<code>/...`, which is also a webhook portal's Disk DOWNLOAD_URL shape
 *   (`https://<portal>/rest/<user>/<code>/download/?token=...`);
 * - signed-link and OAuth query parameters: `token=`, `auth=`, `access_token=`, `refresh_token=`,
 *   `application_token=` and the event form's `auth[application_token]=` (raw or URL-encoded brackets).
 */
const WEBHOOK_PATH = /\/rest\/(\d+)\/(?!\*\*\*)[^/\s?#"'<>\\]+/g;
const SECRET_PARAMS =
  /([?&]|&amp;|\b)((?:auth|token|access_token|refresh_token|application_token|auth\[application_token\]|auth%5Bapplication_token%5D)=)[^&\s"'<>\\]+/gi;

export const REDACTED = '***';

export function redactBitrixSecrets(text: string): string {
  return text.replace(WEBHOOK_PATH, `/rest/$1/${REDACTED}`).replace(SECRET_PARAMS, `$1$2${REDACTED}`);
}
