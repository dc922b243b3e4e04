import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ClientSecretCredential } from '@azure/identity';
import { Agent } from 'undici';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { signJwt } from '../src/arm/jwt.ts';
import { type Sandbox, startSandbox } from '../src/sandbox.ts';

let sb: Sandbox;
let dir: string;
let agent: Agent;
let token: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-sb-arm-'));
  sb = await startSandbox({ stateDir: dir, storage: false });
  agent = new Agent({ connect: { ca: sb.profile.caCert } });
  token = (await credential().getToken(`${sb.profile.armEndpoint}/.default`)).token;
});
afterAll(async () => {
  await agent?.close();
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const credential = () => {
  const { tenantId, clientId, clientSecret } = sb.profile.sandbox;
  return new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost: sb.profile.authorityHost,
    tlsOptions: { ca: sb.profile.caCert },
    disableInstanceDiscovery: true,
  });
};
const aci = () =>
  new ContainerInstanceManagementClient(credential(), sb.profile.sandbox.subscriptionId, {
    endpoint: sb.profile.armEndpoint,
    tlsOptions: { ca: sb.profile.caCert },
    retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });

async function arm(
  method: string,
  path: string,
  opts: { auth?: string | null; body?: unknown; apiVersion?: string | null } = {},
) {
  const url = new URL(path, sb.profile.armEndpoint);
  if (opts.apiVersion !== null) url.searchParams.set('api-version', opts.apiVersion ?? '2024-03-01');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.auth !== null) headers.authorization = `Bearer ${opts.auth ?? token}`;
  const res = await fetch(url, {
    method,
    headers,
    ...(opts.body ? { body: JSON.stringify(opts.body) } : {}),
    dispatcher: agent,
  } as RequestInit);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}
const sub = () => `/subscriptions/${sb.profile.sandbox.subscriptionId}`;

test('resource groups: the seeded one exists; put, head, list, delete (async), unknown is ResourceGroupNotFound', async () => {
  expect((await arm('GET', `${sub()}/resourceGroups/DOVE-SANDBOX`)).body).toMatchObject({
    name: 'dove-sandbox',
    location: 'westeurope',
  });
  const put = await arm('PUT', `${sub()}/resourcegroups/rg-test`, { body: { location: 'West Europe' } });
  expect(put.status).toBe(201);
  expect(
    (await arm('PUT', `${sub()}/resourcegroups/rg-test`, { body: { location: 'westeurope' } })).status,
  ).toBe(200);
  expect(
    (await arm('PUT', `${sub()}/resourcegroups/rg-test`, { body: { location: 'eastus' } })).body.error.code,
  ).toBe('InvalidResourceGroupLocation');
  expect((await arm('HEAD', `${sub()}/resourcegroups/rg-test`)).status).toBe(204);
  const list = await arm('GET', `${sub()}/resourcegroups`);
  expect(list.body.value.map((g: { name: string }) => g.name).sort()).toEqual(['dove-sandbox', 'rg-test']);
  const del = await arm('DELETE', `${sub()}/resourcegroups/rg-test`);
  expect(del.status).toBe(202);
  const location = del.headers.get('location') ?? '';
  expect(del.headers.get('azure-asyncoperation')).toContain('/operations/');
  expect(del.headers.get('retry-after')).toBe('0');
  let status = 202;
  for (let i = 0; i < 50 && status === 202; i++)
    status = (await arm('GET', new URL(location).pathname)).status;
  expect(status).toBe(204);
  const gone = await arm('GET', `${sub()}/resourcegroups/rg-test`);
  expect(gone.status).toBe(404);
  expect(gone.body.error.code).toBe('ResourceGroupNotFound');
  expect(
    (await arm('GET', `${sub()}/resourcegroups/nope/providers/Microsoft.ContainerInstance/containerGroups`))
      .body.error.code,
  ).toBe('ResourceGroupNotFound');
});

test('a failOperation fault makes the long-running operation fail with its error, and nothing changes', async () => {
  await arm('PUT', `${sub()}/resourcegroups/rg-keep`, { body: { location: 'westeurope' } });
  sb.faults.add({
    pathIncludes: 'rg-keep',
    times: 1,
    fault: {
      type: 'failOperation',
      code: 'ResourceGroupDeletionBlocked',
      message: 'Deletion blocked on purpose.',
    },
  });
  const del = await arm('DELETE', `${sub()}/resourcegroups/rg-keep`);
  expect(del.status).toBe(202);
  const statusUrl = new URL(del.headers.get('azure-asyncoperation') ?? '');
  let op = { status: 'InProgress' } as { status: string; error?: { code: string } };
  for (let i = 0; i < 50 && op.status === 'InProgress'; i++) op = (await arm('GET', statusUrl.pathname)).body;
  expect(op).toMatchObject({
    status: 'Failed',
    error: { code: 'ResourceGroupDeletionBlocked', message: 'Deletion blocked on purpose.' },
  });
  expect((await arm('GET', `${sub()}/resourcegroups/rg-keep`)).status).toBe(200);
  await arm('DELETE', `${sub()}/resourcegroups/rg-keep`);
});

test('auth failures answer 401 with Azure codes and a WWW-Authenticate challenge', async () => {
  const missing = await arm('GET', `${sub()}/resourcegroups`, { auth: null });
  expect(missing.status).toBe(401);
  expect(missing.body.error.code).toBe('AuthenticationFailed');
  expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=/);
  const forged = await arm('GET', `${sub()}/resourcegroups`, {
    auth: signJwt({ exp: Date.now() / 1000 + 60 }, Buffer.from('guess')),
  });
  expect(forged.body.error.code).toBe('InvalidAuthenticationTokenSignature');
  expect((await arm('GET', `${sub()}/resourcegroups`, { auth: 'garbage' })).body.error.code).toBe(
    'InvalidAuthenticationToken',
  );
  const other = await arm('GET', '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups');
  expect(other.status).toBe(404);
  expect(other.body.error.code).toBe('SubscriptionNotFound');
  const noVersion = await arm('GET', `${sub()}/resourcegroups`, { apiVersion: null });
  expect(noVersion.status).toBe(400);
  expect(noVersion.body.error.code).toBe('MissingApiVersionParameter');
  expect(noVersion.headers.get('x-ms-request-id')).toBeTruthy();
});

test('an expired token signed by the sandbox is ExpiredAuthenticationToken', async () => {
  const key = JSON.parse(readFileSync(join(dir, 'identity.json'), 'utf8')).signingKey as string;
  const stale = await arm('GET', `${sub()}/resourcegroups`, {
    auth: signJwt({ exp: Math.floor(Date.now() / 1000) - 5 }, Buffer.from(key, 'base64')),
  });
  expect(stale.status).toBe(401);
  expect(stale.body.error.code).toBe('ExpiredAuthenticationToken');
});

test('the SDK retries a 429 with Retry-After and a dropped connection; faults are logged', async () => {
  const client = aci();
  sb.resetRequests();
  sb.faults.add({
    api: 'arm',
    pathIncludes: '/resourceGroups/dove-sandbox/',
    times: 1,
    fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
  });
  sb.faults.add({
    api: 'arm',
    pathIncludes: '/resourceGroups/dove-sandbox/',
    times: 1,
    fault: { type: 'drop' },
  });
  // No ACI provider may be composed yet: either way the request must get past both faults.
  const outcome = await client.containerGroups.get('dove-sandbox', 'nothing').then(
    () => 200,
    (e: { statusCode?: number }) => e.statusCode,
  );
  expect(outcome).toBe(404);
  const statuses = sb
    .requests()
    .filter((r) => r.api === 'arm')
    .map((r) => r.status);
  expect(statuses).toEqual([429, 0, 404]);
  sb.faults.clear();
});

test('the control API sets faults, delays and reads the request log with the client secret only', async () => {
  const control = sb.profile.sandbox.controlUrl;
  const call = (method: string, path: string, body?: unknown, secret = sb.profile.sandbox.clientSecret) =>
    fetch(`${control}${path}`, {
      method,
      headers: { authorization: `Bearer ${secret}` },
      ...(body ? { body: JSON.stringify(body) } : {}),
      dispatcher: agent,
    } as RequestInit);
  expect((await call('GET', '/requests', undefined, 'wrong')).status).toBe(401);
  expect(
    (await call('POST', '/faults', { api: 'arm', times: 1, fault: { type: 'status', status: 503 } })).status,
  ).toBe(201);
  expect((await arm('GET', `${sub()}/resourcegroups`)).status).toBe(503);
  expect((await arm('GET', `${sub()}/resourcegroups`)).status).toBe(200);
  const bad = await call('POST', '/faults', { fault: { type: 'status', status: 418 } });
  expect(bad.status).toBe(400);
  expect(await bad.text()).toContain('fault.status must be 429, 500, 502 or 503');
  expect(await (await call('PUT', '/delays', { provisionMs: 1500 })).json()).toMatchObject({
    provisionMs: 1500,
  });
  expect(sb.ctx.delays.provisionMs).toBe(1500);
  sb.setDelays({ provisionMs: 50 });
  const log = (await (await call('GET', '/requests')).json()) as { value: { api: string }[] };
  expect(log.value.some((r) => r.api === 'arm')).toBe(true);
  expect((await call('DELETE', '/faults')).status).toBe(204);
});
