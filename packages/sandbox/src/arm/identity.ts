import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkFederatedAssertion, type FederatedCredential, IssuerKeys } from './federated.ts';
import { readBody, sendJson } from './http.ts';
import { decodeJwt, signJwt } from './jwt.ts';

/** The one tenant and service principal the sandbox knows. */
export interface IdentityConfig {
  baseUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  signingKey: Buffer;
  tokenLifetimeSeconds?: number;
  /** Federated identity credentials of the app (e.g. GitHub Actions OIDC); see federated.ts. */
  federatedCredentials?: FederatedCredential[];
  /** Where the federated issuers' signing keys are cached. */
  issuerKeys?: IssuerKeys;
}

const sharedKeys = new IssuerKeys();

const aadError = (res: ServerResponse, status: number, error: string, code: string, text: string) =>
  sendJson(res, status, {
    error,
    error_description: `${code}: ${text}`,
    error_codes: [Number(code.replace('AADSTS', ''))],
    timestamp: new Date().toISOString(),
  });

function secretMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The Entra ID endpoints that `@azure/identity` (through MSAL) calls: instance discovery,
 * OpenID configuration and the v2 token endpoint (client secret or client assertion).
 * Answers undefined when the path is not one of them.
 */
export async function handleIdentity(
  cfg: IdentityConfig,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<boolean> {
  const parts = url.pathname.split('/').filter(Boolean);
  const host = new URL(cfg.baseUrl).host;
  if (
    req.method === 'GET' &&
    parts[0]?.toLowerCase() === 'common' &&
    parts[1] === 'discovery' &&
    parts[2] === 'instance'
  ) {
    sendJson(res, 200, {
      tenant_discovery_endpoint: `${cfg.baseUrl}/${cfg.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
    return true;
  }
  const tenant = parts[0];
  if (!tenant) return false;
  const rest = parts.slice(1).join('/');
  const knownTenant = tenant === cfg.tenantId || tenant === 'organizations' || tenant === 'common';
  if (req.method === 'GET' && rest === 'v2.0/.well-known/openid-configuration') {
    if (!knownTenant) {
      aadError(res, 400, 'invalid_tenant', 'AADSTS90002', `Tenant '${tenant}' not found.`);
      return true;
    }
    const base = `${cfg.baseUrl}/${cfg.tenantId}`;
    sendJson(res, 200, {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: `${cfg.baseUrl}/${cfg.tenantId}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${cfg.baseUrl}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'tid', 'oid'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: host,
      cloud_graph_host_name: host,
      msgraph_host: host,
      rbac_url: cfg.baseUrl,
    });
    return true;
  }
  if (req.method === 'GET' && rest === 'discovery/v2.0/keys') {
    sendJson(res, 200, { keys: [] });
    return true;
  }
  if (req.method !== 'POST' || rest !== 'oauth2/v2.0/token') return false;
  if (!knownTenant) {
    aadError(res, 400, 'invalid_request', 'AADSTS90002', `Tenant '${tenant}' not found.`);
    return true;
  }
  const form = new URLSearchParams(await readBody(req));
  if (form.get('grant_type') !== 'client_credentials') {
    aadError(
      res,
      400,
      'unsupported_grant_type',
      'AADSTS70003',
      'The sandbox supports only client_credentials.',
    );
    return true;
  }
  let clientId = form.get('client_id') ?? '';
  let secret = form.get('client_secret');
  const basic = req.headers.authorization?.match(/^Basic (.+)$/i)?.[1];
  if (basic) {
    const [id, s] = Buffer.from(basic, 'base64').toString('utf8').split(':');
    clientId = decodeURIComponent(id ?? '');
    secret = decodeURIComponent(s ?? '');
  }
  if (clientId !== cfg.clientId) {
    aadError(
      res,
      400,
      'unauthorized_client',
      'AADSTS700016',
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'.`,
    );
    return true;
  }
  const assertion = form.get('client_assertion');
  if (assertion) {
    const problem = await checkAssertion(assertion, form.get('client_assertion_type'), cfg, url);
    if (problem) {
      aadError(res, 401, 'invalid_client', problem.code, problem.text);
      return true;
    }
  } else if (secret === null || !secretMatches(secret, cfg.clientSecret)) {
    aadError(
      res,
      401,
      'invalid_client',
      'AADSTS7000215',
      'Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID.',
    );
    return true;
  }
  const now = Math.floor(Date.now() / 1000);
  const lifetime = cfg.tokenLifetimeSeconds ?? 3600;
  const scope = form.get('scope') ?? '';
  const audience = scope.split(' ')[0]?.replace(/\/?\.default$/, '') ?? '';
  const token = signJwt(
    {
      aud: audience,
      iss: `${cfg.baseUrl}/${cfg.tenantId}/`,
      tid: cfg.tenantId,
      appid: clientId,
      sub: clientId,
      oid: clientId,
      iat: now,
      nbf: now,
      exp: now + lifetime,
    },
    cfg.signingKey,
  );
  sendJson(res, 200, {
    token_type: 'Bearer',
    expires_in: lifetime,
    ext_expires_in: lifetime,
    access_token: token,
  });
  return true;
}

async function checkAssertion(assertion: string, type: string | null, cfg: IdentityConfig, url: URL) {
  if (type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    return {
      code: 'AADSTS50027',
      text: `client_assertion_type must be urn:ietf:params:oauth:client-assertion-type:jwt-bearer, got '${type}'.`,
    };
  const claims = decodeJwt(assertion);
  if (!claims) return { code: 'AADSTS50027', text: 'JWT token is invalid or malformed.' };
  // An assertion naming another subject (a GitHub workflow: `repo:owner/name:environment:prod`)
  // must match a configured federated credential, signature included.
  const federated = cfg.federatedCredentials ?? [];
  if (claims.iss !== cfg.clientId && claims.sub !== cfg.clientId && federated.length > 0)
    return checkFederatedAssertion(assertion, claims, federated, cfg.issuerKeys ?? sharedKeys);
  // Otherwise the assertion carries the client id as `sub` (or `iss`, like a certificate's).
  if (claims.iss !== cfg.clientId && claims.sub !== cfg.clientId)
    return {
      code: 'AADSTS700213',
      text: `No matching federated identity record found for presented assertion subject '${String(claims.sub)}'.`,
    };
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const tokenUrl = `${url.origin}${url.pathname}`;
  const okAud = aud.some(
    (a) =>
      a === 'api://AzureADTokenExchange' || a === tokenUrl || a === `${cfg.baseUrl}/${cfg.tenantId}/v2.0`,
  );
  if (!okAud)
    return {
      code: 'AADSTS700212',
      text: `No matching federated identity record found for presented assertion audience '${aud.join(', ')}'. Expected api://AzureADTokenExchange or ${tokenUrl}.`,
    };
  if (typeof claims.exp !== 'number' || claims.exp <= Date.now() / 1000)
    return { code: 'AADSTS700024', text: 'Client assertion is not within its valid time range.' };
  return undefined;
}
