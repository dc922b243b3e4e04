import { createSign, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the GitHub Actions OIDC token service: what a runner's
 * `ACTIONS_ID_TOKEN_REQUEST_URL` / `ACTIONS_ID_TOKEN_REQUEST_TOKEN` point at. It issues real
 * RS256-signed JWTs with GitHub's claims and publishes its keys like
 * `https://token.actions.githubusercontent.com` does (OpenID configuration + JWKS), so a
 * relying party (Entra ID, or the sandbox's token endpoint) can verify them.
 */
export interface OidcIssuer {
  /** the `iss` claim and the base of the discovery document */
  issuer: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_URL` (already has a query string, as on a runner) */
  requestUrl: string;
  /** `ACTIONS_ID_TOKEN_REQUEST_TOKEN` */
  requestToken: string;
  /** every token issued, oldest first (decoded claims) */
  issued: Record<string, unknown>[];
  /** change the claims of later tokens (e.g. another environment) */
  setClaims(claims: Record<string, unknown>): void;
  /** change the lifetime of later tokens */
  setLifetime(seconds: number): void;
  close(): Promise<void>;
}

export interface OidcIssuerOptions {
  /** `owner/name`; default `acme/models` */
  repository?: string;
  /** `sub` claim; default `repo:<repository>:ref:refs/heads/main` */
  subject?: string;
  /** token lifetime in seconds (GitHub: about 10 minutes); default 600 */
  lifetimeSeconds?: number;
  /** extra or overriding claims */
  claims?: Record<string, unknown>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

export async function startOidcIssuer(options: OidcIssuerOptions = {}): Promise<OidcIssuer> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
  const requestToken = randomBytes(24).toString('base64url');
  const repository = options.repository ?? 'acme/models';
  let lifetime = options.lifetimeSeconds ?? 600;
  let extra: Record<string, unknown> = { ...options.claims };
  const issued: Record<string, unknown>[] = [];
  let issuer = '';

  const sign = (claims: Record<string, unknown>) => {
    const head = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = createSign('RSA-SHA256').update(`${head}.${body}`).sign(privateKey).toString('base64url');
    return `${head}.${body}.${sig}`;
  };
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration')
      return json(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks`,
        subject_types_supported: ['public', 'pairwise'],
        response_types_supported: ['id_token'],
        claims_supported: [
          'sub',
          'aud',
          'exp',
          'iat',
          'iss',
          'jti',
          'nbf',
          'ref',
          'repository',
          'environment',
        ],
        id_token_signing_alg_values_supported: ['RS256'],
        scopes_supported: ['openid'],
      });
    if (req.method === 'GET' && url.pathname === '/.well-known/jwks') return json(res, 200, { keys: [jwk] });
    if (req.method === 'GET' && url.pathname === '/_apis/token') {
      // The runner's token service wants the job's request token as a bearer token.
      if (req.headers.authorization !== `Bearer ${requestToken}`)
        return json(res, 401, { message: 'Bad request token' });
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        jti: randomUUID(),
        sub: options.subject ?? `repo:${repository}:ref:refs/heads/main`,
        aud: url.searchParams.get('audience') ?? `https://github.com/${repository.split('/')[0]}`,
        ref: 'refs/heads/main',
        repository,
        repository_owner: repository.split('/')[0],
        event_name: 'workflow_dispatch',
        runner_environment: 'github-hosted',
        iss: issuer,
        nbf: now - 5,
        iat: now - 5,
        exp: now + lifetime,
        ...extra,
      };
      issued.push(claims);
      return json(res, 200, { count: 1, value: sign(claims) });
    }
    json(res, 404, { message: 'Not Found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    requestUrl: `${issuer}/_apis/token?api-version=2.0`,
    requestToken,
    issued,
    setClaims(claims) {
      extra = { ...extra, ...claims };
    },
    setLifetime(seconds) {
      lifetime = seconds;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
