import { createPublicKey, createVerify, type JsonWebKey } from 'node:crypto';

/**
 * A federated identity credential on the sandbox's app registration, as in Entra ID: an
 * external issuer (e.g. GitHub Actions' OIDC service), the subject it must present (e.g.
 * `repo:acme/models:environment:prod`) and the audiences it may use.
 */
export interface FederatedCredential {
  /** e.g. `github-prod` */
  name?: string;
  /** `iss` of the assertion, e.g. `https://token.actions.githubusercontent.com` */
  issuer: string;
  /** exact `sub` of the assertion */
  subject: string;
  /** default `['api://AzureADTokenExchange']` */
  audiences?: string[];
}

export type AssertionProblem = { code: string; text: string };

const trim = (s: string) => s.replace(/\/+$/, '');

/** Checks a JWT field by field, for the error a user can act on. */
export function checkFederatedCredential(fc: unknown, where: string): FederatedCredential {
  const o = fc as Partial<FederatedCredential> | null;
  const bad = (field: string, expected: string) =>
    new Error(`${where}: "${field}" must be ${expected} (got ${JSON.stringify(o?.[field as never])}).`);
  if (!o || typeof o !== 'object')
    throw new Error(`${where}: expected an object { issuer, subject, audiences? }.`);
  if (typeof o.issuer !== 'string' || !/^https?:\/\//.test(o.issuer)) throw bad('issuer', 'an http(s) URL');
  if (typeof o.subject !== 'string' || o.subject === '') throw bad('subject', 'a non-empty string');
  if (
    o.audiences !== undefined &&
    (!Array.isArray(o.audiences) || o.audiences.some((a) => typeof a !== 'string'))
  )
    throw bad('audiences', 'a list of strings');
  return {
    ...(o.name ? { name: String(o.name) } : {}),
    issuer: o.issuer,
    subject: o.subject,
    ...(o.audiences ? { audiences: o.audiences } : {}),
  };
}

/** Signing keys by issuer, fetched from the issuer's OpenID configuration as Entra does. */
export class IssuerKeys {
  #cache = new Map<string, { at: number; keys: (JsonWebKey & { kid?: string })[] }>();

  async key(issuer: string, kid: string | undefined): Promise<JsonWebKey | undefined> {
    const cached = this.#cache.get(issuer);
    const find = (keys: (JsonWebKey & { kid?: string })[]) =>
      keys.find((k) => (kid ? k.kid === kid : k.kty === 'RSA'));
    const hit = cached && Date.now() - cached.at < 300_000 ? find(cached.keys) : undefined;
    if (hit) return hit;
    const config = (await getJson(`${trim(issuer)}/.well-known/openid-configuration`)) as {
      jwks_uri?: string;
    };
    if (typeof config.jwks_uri !== 'string') throw new Error('its OpenID configuration has no jwks_uri');
    const { keys } = (await getJson(config.jwks_uri)) as { keys?: (JsonWebKey & { kid?: string })[] };
    this.#cache.set(issuer, { at: Date.now(), keys: keys ?? [] });
    return find(keys ?? []);
  }
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/**
 * An assertion from a federated issuer: the issuer, subject and audience must match one
 * credential, the token must be in its time range and signed by a key the issuer publishes.
 * Returns undefined when accepted; the Entra error code and text otherwise.
 */
export async function checkFederatedAssertion(
  assertion: string,
  claims: Record<string, unknown>,
  credentials: FederatedCredential[],
  keys: IssuerKeys,
): Promise<AssertionProblem | undefined> {
  const iss = String(claims.iss ?? '');
  const sub = String(claims.sub ?? '');
  const byIssuer = credentials.filter((c) => trim(c.issuer) === trim(iss));
  if (byIssuer.length === 0)
    return {
      code: 'AADSTS700211',
      text: `No matching federated identity record found for presented assertion issuer '${iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    };
  const bySubject = byIssuer.filter((c) => c.subject === sub);
  if (bySubject.length === 0)
    return {
      code: 'AADSTS700213',
      text: `No matching federated identity record found for presented assertion subject '${sub}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    };
  const aud = Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud)];
  if (!bySubject.some((c) => (c.audiences ?? ['api://AzureADTokenExchange']).some((a) => aud.includes(a))))
    return {
      code: 'AADSTS700212',
      text: `No matching federated identity record found for presented assertion audience '${aud.join(', ')}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion.`,
    };
  const now = Date.now() / 1000;
  if (
    typeof claims.exp !== 'number' ||
    claims.exp <= now ||
    (typeof claims.nbf === 'number' && claims.nbf > now + 300)
  )
    return { code: 'AADSTS700024', text: 'Client assertion is not within its valid time range.' };
  const [head = '', body = '', sig = ''] = assertion.split('.');
  let header: { alg?: string; kid?: string };
  try {
    header = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
  } catch {
    return { code: 'AADSTS50027', text: 'JWT token is invalid or malformed.' };
  }
  if (header.alg !== 'RS256')
    return {
      code: 'AADSTS5002738',
      text: `Invalid JWT token. '${String(header.alg)}' is not a supported signature algorithm.`,
    };
  let jwk: JsonWebKey | undefined;
  try {
    jwk = await keys.key(iss, header.kid);
  } catch (err) {
    return {
      code: 'AADSTS50166',
      text: `Request to External OIDC endpoint failed: ${(err as Error).message}.`,
    };
  }
  const valid =
    jwk !== undefined &&
    createVerify('RSA-SHA256')
      .update(`${head}.${body}`)
      .verify(createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(sig, 'base64url'));
  if (!valid)
    return {
      code: 'AADSTS50013',
      text: `Assertion failed signature validation. [Reason - The key was not found or the signature does not match., Thumbprint of key used by client: '${String(header.kid)}']`,
    };
  return undefined;
}
