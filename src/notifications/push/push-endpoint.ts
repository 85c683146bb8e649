/**
 * Push endpoints are user-given URLs this server POSTs to: only the push services allowed by
 * PUSH_ENDPOINT_HOSTS (the browsers' own by default), so a subscription cannot aim requests at internal hosts.
 */
export function isAllowedPushHost(host: string, allowed: string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return allowed.some((entry) => entry === '*' || name === entry || name.endsWith(`.${entry}`));
}

/**
 * An endpoint as logs may show it: origin and the first characters of its path. The whole URL is a capability
 * (whoever has it can push to that browser).
 */
export function endpointForLog(endpoint: string): string {
  try {
    const url = new URL(endpoint);
    return `${url.origin}${url.pathname.slice(0, 12)}…`;
  } catch {
    return '(invalid endpoint)';
  }
}
