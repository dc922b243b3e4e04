import { createPublicKey, createVerify } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type OidcIssuer, startOidcIssuer } from './oidc.ts';

let oidc: OidcIssuer;
beforeAll(async () => {
  oidc = await startOidcIssuer({ subject: 'repo:acme/models:environment:prod', lifetimeSeconds: 300 });
});
afterAll(() => oidc.close());

const getToken = async (audience: string, token = oidc.requestToken) => {
  const res = await fetch(`${oidc.requestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: (await res.json()) as { value?: string } };
};

test('issues RS256 tokens a relying party verifies with the published keys', async () => {
  const { status, body } = await getToken('api://AzureADTokenExchange');
  expect(status).toBe(200);
  const [head = '', payload = '', sig = ''] = (body.value as string).split('.');
  const header = JSON.parse(Buffer.from(head, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  expect(claims).toMatchObject({
    iss: oidc.issuer,
    sub: 'repo:acme/models:environment:prod',
    aud: 'api://AzureADTokenExchange',
    repository: 'acme/models',
  });
  expect(claims.exp - claims.iat).toBe(305);
  const config = (await (await fetch(`${oidc.issuer}/.well-known/openid-configuration`)).json()) as {
    jwks_uri: string;
  };
  const { keys } = (await (await fetch(config.jwks_uri)).json()) as { keys: { kid: string }[] };
  const jwk = keys.find((k) => k.kid === header.kid);
  expect(jwk).toBeDefined();
  const ok = createVerify('RSA-SHA256')
    .update(`${head}.${payload}`)
    .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(sig, 'base64url'));
  expect(ok).toBe(true);
  // A tampered payload fails the same check.
  const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'repo:evil/x:ref:refs/heads/main' })).toString(
    'base64url',
  );
  const bad = createVerify('RSA-SHA256')
    .update(`${head}.${forged}`)
    .verify(createPublicKey({ key: jwk as never, format: 'jwk' }), Buffer.from(sig, 'base64url'));
  expect(bad).toBe(false);
});

test('refuses a wrong request token; every token is new', async () => {
  expect((await getToken('x', 'nope')).status).toBe(401);
  const before = oidc.issued.length;
  const a = await getToken('api://AzureADTokenExchange');
  const b = await getToken('api://AzureADTokenExchange');
  expect(a.body.value).not.toBe(b.body.value);
  expect(oidc.issued.length).toBe(before + 2);
  expect(new Set(oidc.issued.map((c) => c.jti)).size).toBe(oidc.issued.length);
});
