// GitHub Actions OIDC → Entra federated credential, as the sandbox's token endpoint checks it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientAssertionCredential } from '@azure/identity';
import { type OidcIssuer, startOidcIssuer } from '@dove/testkit';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signJwt } from '../src/arm/jwt.ts';
import { type Sandbox, startSandbox } from '../src/sandbox.ts';

const SUBJECT = 'repo:acme/models:environment:prod';
let sb: Sandbox;
let dir: string;
let oidc: OidcIssuer;
let other: OidcIssuer;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-sb-fed-'));
  oidc = await startOidcIssuer({ subject: SUBJECT });
  other = await startOidcIssuer({ subject: SUBJECT });
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    federatedCredentials: [{ name: 'github-prod', issuer: oidc.issuer, subject: SUBJECT }],
  });
});
afterAll(async () => {
  await sb?.stop();
  await oidc?.close();
  await other?.close();
  rmSync(dir, { recursive: true, force: true });
});

const idToken = async (issuer: OidcIssuer, audience = 'api://AzureADTokenExchange') => {
  const res = await fetch(`${issuer.requestUrl}&audience=${encodeURIComponent(audience)}`, {
    headers: { authorization: `Bearer ${issuer.requestToken}` },
  });
  return ((await res.json()) as { value: string }).value;
};
const token = (assertion: () => Promise<string>) => {
  const { tenantId, clientId } = sb.profile.sandbox;
  return new ClientAssertionCredential(tenantId, clientId, assertion, {
    authorityHost: sb.profile.authorityHost,
    tlsOptions: { ca: sb.profile.caCert },
    disableInstanceDiscovery: true,
  }).getToken(`${sb.profile.armEndpoint}/.default`);
};

test('a signed GitHub OIDC token for the configured issuer, subject and audience is exchanged', async () => {
  const t = await token(() => idToken(oidc));
  expect(t.token.split('.')).toHaveLength(3);
  // The access token works on ARM.
  const agent = new Agent({ connect: { ca: sb.profile.caCert } });
  const res = await fetch(
    `${sb.profile.armEndpoint}/subscriptions/${sb.profile.sandbox.subscriptionId}/resourcegroups?api-version=2021-04-01`,
    { headers: { authorization: `Bearer ${t.token}` }, dispatcher: agent } as RequestInit,
  );
  expect(res.status).toBe(200);
  await agent.close();
});

test('another subject, audience or issuer is refused with the Entra error code', async () => {
  oidc.setClaims({ sub: 'repo:acme/models:ref:refs/heads/feature' });
  await expect(token(() => idToken(oidc))).rejects.toThrow(
    /AADSTS700213.*repo:acme\/models:ref:refs\/heads\/feature/,
  );
  oidc.setClaims({ sub: SUBJECT });
  await expect(token(() => idToken(oidc, 'api://SomethingElse'))).rejects.toThrow(/AADSTS700212/);
  await expect(token(() => idToken(other))).rejects.toThrow(/AADSTS700211/);
});

test('a forged or expired token is refused: the signature and time range are checked', async () => {
  const real = await idToken(oidc);
  const [head, body] = real.split('.');
  const claims = JSON.parse(Buffer.from(body as string, 'base64url').toString());
  // Same claims, signed by someone else's key: AADSTS50013.
  const forged = `${head}.${body}.${Buffer.from('not-the-signature').toString('base64url')}`;
  await expect(token(async () => forged)).rejects.toThrow(/AADSTS50013/);
  // An HMAC-signed token naming the issuer is not accepted either.
  await expect(token(async () => signJwt(claims, Buffer.from('guess')))).rejects.toThrow(/AADSTS5002738/);
  oidc.setLifetime(-10);
  await expect(token(() => idToken(oidc))).rejects.toThrow(/AADSTS700024/);
  oidc.setLifetime(600);
});

test('federated credentials are managed through the control API, checked field by field', async () => {
  const agent = new Agent({ connect: { ca: sb.profile.caCert } });
  const control = (method: string, body?: unknown) =>
    fetch(`${sb.profile.sandbox.controlUrl}/federated-credentials`, {
      method,
      headers: { authorization: `Bearer ${sb.profile.sandbox.clientSecret}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
      dispatcher: agent,
    } as RequestInit);
  expect(((await (await control('GET')).json()) as { value: unknown[] }).value).toEqual([
    { name: 'github-prod', issuer: oidc.issuer, subject: SUBJECT },
  ]);
  const bad = await control('POST', { issuer: 'not-a-url', subject: 'x' });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('\\"issuer\\" must be an http(s) URL');
  await expect(token(() => idToken(other))).rejects.toThrow(/AADSTS700211/);
  expect((await control('POST', { issuer: other.issuer, subject: SUBJECT })).status).toBe(201);
  await expect(token(() => idToken(other))).resolves.toBeTruthy();
  expect(sb.federatedCredentials.list()).toHaveLength(2);
  expect((await control('DELETE')).status).toBe(204);
  expect(sb.federatedCredentials.list()).toEqual([]);
  await agent.close();
});
