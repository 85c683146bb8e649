import { hkdfSync } from 'node:crypto';
import { openText, sealText } from '../common/sealed-text';
import { RuleViolationError } from '../common/domain-error';

/** Hosts where a plain-http webhook URL is accepted (local receivers, tests); everywhere else https only. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const MAX_URL_LENGTH = 2000;

/**
 * A Teams/Slack webhook URL as an admin or a person gives it: an absolute https URL (http only on loopback), with
 * no user:password part, on one of `allowedHosts` (a host and its subdomains; `*` any) so that nobody can aim this
 * server's POSTs at an internal host. Its path and query are the secret (anyone holding them can post): 400 naming the field.
 */
export function checkWebhookUrl(field: string, value: string, allowedHosts: readonly string[]): string {
  const trimmed = value.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new RuleViolationError('INVALID_VALUE', field, 'deve ser uma URL absoluta (https://...)');
  }
  if (trimmed.length > MAX_URL_LENGTH) throw new RuleViolationError('INVALID_VALUE', field, `deve ter no máximo ${MAX_URL_LENGTH} caracteres`);
  if (url.username || url.password) throw new RuleViolationError('INVALID_VALUE', field, 'não pode conter usuário ou senha');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname))) {
    throw new RuleViolationError('INVALID_VALUE', field, 'deve usar https (http só é aceito para 127.0.0.1/localhost)');
  }
  const host = url.hostname.toLowerCase();
  if (!allowedHosts.some((allowed) => allowed === '*' || host === allowed || host.endsWith(`.${allowed}`))) {
    throw new RuleViolationError('INVALID_VALUE', field, `o host ${host} não é de um serviço aceito (NOTIFICATIONS_WEBHOOK_HOSTS: ${allowedHosts.join(', ')})`);
  }
  return url.toString();
}

/** What may be shown of a webhook URL: its host and the last 4 characters (`https://host/…abcd`). */
export function maskWebhookUrl(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}/…${value.slice(-4)}`;
}

/**
 * AES-256-GCM for webhook URLs at rest (sealed-text.ts format). The key is derived (HKDF-SHA256) from
 * CPF_ENCRYPTION_KEY with its own label, as the OIDC token cipher does: no new secret, and no ciphertext of one
 * kind opens as another.
 */
export class WebhookUrlCipher {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'carvalima-helpdesk notification webhook url v1', 32));
  }

  seal(url: string): string {
    return sealText(this.key, url);
  }

  open(stored: string): string {
    return openText(this.key, stored, 'webhook URL');
  }
}
