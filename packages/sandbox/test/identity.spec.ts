import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientAssertionCredential, ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signJwt } from '../src/arm/jwt.ts';
import { type Sandbox, startSandbox } from '../src/sandbox.ts';

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-sb-id-'));
  sb = await startSandbox({ stateDir: dir, storage: false });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const opts = () => ({
  authorityHost: sb.profile.authorityHost,
  tlsOptions: { ca: sb.profile.caCert },
  disableInstanceDiscovery: true,
});

test('ClientSecretCredential gets a token the ARM server accepts', async () => {
  const { tenantId, clientId, clientSecret } = sb.profile.sandbox;
  sb.resetRequests();
  const cred = new ClientSecretCredential(tenantId, clientId, clientSecret, opts());
  const token = await cred.getToken('https://management.azure.com/.default');
  expect(token.token.split('.')).toHaveLength(3);
  expect(token.expiresOnTimestamp).toBeGreaterThan(Date.now());
  const paths = sb.requests().map((r) => `${r.api} ${r.method} ${r.path} ${r.status}`);
  expect(paths).toContain(`token POST /${tenantId}/oauth2/v2.0/token 200`);
});

test('a wrong client secret is refused as Entra does (invalid_client, AADSTS7000215)', async () => {
  const { tenantId, clientId } = sb.profile.sandbox;
  const cred = new ClientSecretCredential(tenantId, clientId, 'not-the-secret', opts());
  await expect(cred.getToken('https://management.azure.com/.default')).rejects.toThrow(/AADSTS7000215/);
});

test('ClientAssertionCredential: a federated assertion for the client is exchanged; a stale one is refused', async () => {
  const { tenantId, clientId } = sb.profile.sandbox;
  const now = Math.floor(Date.now() / 1000);
  const assertion = (exp: number) =>
    signJwt(
      {
        iss: 'https://token.actions.githubusercontent.com',
        sub: clientId,
        aud: 'api://AzureADTokenExchange',
        exp,
      },
      Buffer.from('github'),
    );
  const good = new ClientAssertionCredential(tenantId, clientId, async () => assertion(now + 300), opts());
  expect((await good.getToken(`${sb.profile.armEndpoint}/.default`)).token).toBeTruthy();
  const stale = new ClientAssertionCredential(tenantId, clientId, async () => assertion(now - 10), opts());
  await expect(stale.getToken(`${sb.profile.armEndpoint}/.default`)).rejects.toThrow(/AADSTS700024/);
});
