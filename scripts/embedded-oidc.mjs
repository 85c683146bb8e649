// The demo's identity provider: a real OpenID Provider (oidc-provider, certified) on localhost, so a person can
// try "sign in with SSO" (GET /auth/oidc/login) on `npm start`. Its development login page accepts any password:
// the login name is the account, and its e-mail claim is that name, so `admin@carvalima.local` signs in as the
// seeded admin (matched by e-mail, OIDC_MATCH_BY's default). Grants live in memory: they end with the process.
// Only `npm start` uses it; the production app never loads oidc-provider (a devDependency).
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

/** Starts the provider on 127.0.0.1:`port`; resolves to { issuer, close() }. */
export async function startEmbeddedOidc({ port, clientId, clientSecret, redirectUri, cookieKey }) {
  const issuer = `http://localhost:${port}`;
  const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'embedded-1', alg: 'RS256', use: 'sig' };
  const provider = new Provider(issuer, {
    clients: [
      { client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [cookieKey] },
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
    // The e-mail in the ID token itself, as Entra ID puts it there.
    conformIdTokenClaims: false,
    // A refresh token whenever the client may use one: the API re-checks the account with it at refresh.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, email: id, email_verified: true, name: id }),
    }),
  });
  // The development login page says so in its own words; this is the demo, not a deployment.
  provider.on('server_error', (_ctx, error) => console.error(`embedded OpenID Provider: ${error.message}`));
  const server = provider.listen(port, '127.0.0.1');
  await new Promise((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  return {
    issuer,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
