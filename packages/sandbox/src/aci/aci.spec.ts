import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { type Sandbox, startSandbox } from '../sandbox.ts';
import { assertMatchesSpec } from '../spec-check.ts';

let sb: Sandbox;
let dir: string;
let client: ContainerInstanceManagementClient;
const RG = 'dove-sandbox';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-sb-aci-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { provisionMs: 50 },
    images: { 'test/crasher:*': { command: ['{node}', '-e', 'console.log("boom");process.exit(1)'] } },
  });
  const { tenantId, clientId, clientSecret, subscriptionId } = sb.profile.sandbox;
  const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost: sb.profile.authorityHost,
    tlsOptions: { ca: sb.profile.caCert },
    disableInstanceDiscovery: true,
  });
  client = new ContainerInstanceManagementClient(credential, subscriptionId, {
    endpoint: sb.profile.armEndpoint,
    tlsOptions: { ca: sb.profile.caCert },
    retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const poll = { updateIntervalInMs: 20 };
const group = (
  over: {
    image?: string;
    label?: string;
    cpu?: number;
    env?: ContainerGroup['containers'][0]['environmentVariables'];
  } = {},
): ContainerGroup => ({
  location: 'westeurope',
  osType: 'Linux',
  restartPolicy: 'Always',
  tags: { 'dove-spec-hash': 'abc' },
  containers: [
    {
      name: 'scorer',
      image: over.image ?? 'example.azurecr.io/dove-examples/iris-scorer:1.0.0',
      resources: { requests: { cpu: over.cpu ?? 1, memoryInGB: 1.5 } },
      ports: [{ port: 5001 }],
      environmentVariables: over.env ?? [
        { name: 'SCORING_KEYS', secureValue: 'top-secret-key' },
        { name: 'A', value: '1' },
      ],
    },
  ],
  ipAddress: {
    type: 'Public',
    ports: [{ port: 5001, protocol: 'TCP' }],
    dnsNameLabel: over.label ?? 'iris-test-1',
  },
});

async function waitRunning(name: string) {
  for (let i = 0; i < 200; i++) {
    const g = await client.containerGroups.get(RG, name);
    if (g.instanceView?.state === 'Running') return g;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} never ran`);
}

test('create, read (secure values omitted), serve on its own IP and fqdn, logs, update in place, delete', async () => {
  const created = await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'iris-a', group(), poll);
  expect(created.provisioningState).toBe('Succeeded');
  const g = await waitRunning('iris-a');
  expect(g.ipAddress?.fqdn).toBe('iris-test-1.westeurope.azurecontainer.io');
  expect(g.ipAddress?.ip).toMatch(/^127\./);
  expect(JSON.stringify(g)).not.toContain('top-secret-key');
  expect(g.containers[0]?.environmentVariables).toEqual([
    { name: 'SCORING_KEYS' },
    { name: 'A', value: '1' },
  ]);
  expect(g.containers[0]?.instanceView?.currentState?.state).toBe('Running');
  expect(readFileSync(sb.profile.hostsFile as string, 'utf8')).toContain(
    'iris-test-1.westeurope.azurecontainer.io',
  );
  // Running means the process started; its server may need a moment to listen (the smoke test waits too).
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://${g.ipAddress?.ip}:5001/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const res = await fetch(`http://${g.ipAddress?.ip}:5001/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer top-secret-key' },
    body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
  });
  expect(res.status).toBe(200);
  // The raw answers conform to the official 2023-05-01 spec.
  const SPEC = 'azure/containerinstance/2023-05-01/containerInstance.json';
  let raw: unknown;
  await client.containerGroups.get(RG, 'iris-a', {
    onResponse: (r) => (raw = JSON.parse(r.bodyAsText ?? 'null')),
  });
  assertMatchesSpec(SPEC, 'ContainerGroup', raw);
  await client.containers.listLogs(RG, 'iris-a', 'scorer', {
    onResponse: (r) => (raw = JSON.parse(r.bodyAsText ?? 'null')),
  });
  assertMatchesSpec(SPEC, 'Logs', raw);
  const logs = await client.containers.listLogs(RG, 'iris-a', 'scorer', { tail: 5 });
  expect(typeof logs.content).toBe('string');

  const list = [];
  for await (const x of client.containerGroups.listByResourceGroup(RG)) list.push(x.name);
  expect(list).toContain('iris-a');
  const all = [];
  for await (const x of client.containerGroups.list()) all.push(x.name);
  expect(all).toContain('iris-a');
  for await (const _ of client.containerGroups.listByResourceGroup(RG, {
    onResponse: (r) => (raw = JSON.parse(r.bodyAsText ?? 'null')),
  }));
  assertMatchesSpec(SPEC, 'ContainerGroupListResult', raw);

  await client.containerGroups.stop(RG, 'iris-a');
  expect((await client.containerGroups.get(RG, 'iris-a')).instanceView?.state).toBe('Stopped');
  await client.containerGroups.beginStartAndWait(RG, 'iris-a', poll);
  await waitRunning('iris-a');
  await client.containerGroups.beginRestartAndWait(RG, 'iris-a', poll);
  await waitRunning('iris-a');

  const updated = await client.containerGroups.beginCreateOrUpdateAndWait(
    RG,
    'iris-a',
    { ...group(), tags: { 'dove-spec-hash': 'def' } },
    poll,
  );
  expect(updated.tags).toEqual({ 'dove-spec-hash': 'def' });
  const patched = await client.containerGroups.update(RG, 'iris-a', { tags: { x: 'y' } });
  expect(patched.tags).toEqual({ x: 'y' });

  await expect(
    client.containerGroups.beginCreateOrUpdateAndWait(RG, 'iris-a', group({ cpu: 2 }), poll),
  ).rejects.toMatchObject({ code: 'ContainerGroupUpdateInvalid', statusCode: 409 });

  await client.containerGroups.beginDeleteAndWait(RG, 'iris-a', poll);
  await expect(client.containerGroups.get(RG, 'iris-a')).rejects.toMatchObject({ statusCode: 404 });
  expect(readFileSync(sb.profile.hostsFile as string, 'utf8')).not.toContain('iris-test-1.westeurope');
});

test('Azure refusals: names, resources above the region maximum, dns label in use, unknown resource group', async () => {
  const cg = client.containerGroups;
  await expect(cg.beginCreateOrUpdateAndWait(RG, 'Bad_Name', group(), poll)).rejects.toMatchObject({
    code: 'ContainerGroupNameInvalid',
  });
  await expect(cg.beginCreateOrUpdateAndWait(RG, 'a--b', group(), poll)).rejects.toMatchObject({
    code: 'ContainerGroupNameInvalid',
  });
  await expect(cg.beginCreateOrUpdateAndWait(RG, 'big', group({ cpu: 5 }), poll)).rejects.toMatchObject({
    code: 'ServiceUnavailable',
  });
  await expect(
    cg
      .beginCreateOrUpdateAndWait(RG, 'nf', group({ label: 'label-nf' }), poll)
      .then(() => cg.beginCreateOrUpdateAndWait('nope', 'x', group(), poll)),
  ).rejects.toMatchObject({ code: 'ResourceGroupNotFound', statusCode: 404 });
  await expect(
    cg.beginCreateOrUpdateAndWait(RG, 'nf2', group({ label: 'label-nf' }), poll),
  ).rejects.toMatchObject({
    code: 'DnsNameLabelNotAvailable',
  });
  await cg.beginDeleteAndWait(RG, 'nf', poll);
});

test('crash loop and image pull failure appear as Azure shows them', async () => {
  await client.containerGroups.beginCreateOrUpdateAndWait(
    RG,
    'crash',
    group({ image: 'test/crasher:1', label: 'crash-1' }),
    poll,
  );
  let c: ContainerGroup | undefined;
  for (let i = 0; i < 200; i++) {
    c = await client.containerGroups.get(RG, 'crash');
    if ((c.containers[0]?.instanceView?.restartCount ?? 0) > 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const iv = c?.containers[0]?.instanceView;
  expect(iv?.restartCount).toBeGreaterThan(0);
  expect(iv?.events?.map((e) => e.name)).toContain('BackOff');
  expect((await client.containers.listLogs(RG, 'crash', 'scorer')).content).toContain('boom');
  await client.containerGroups.beginDeleteAndWait(RG, 'crash', poll);

  await expect(
    client.containerGroups.beginCreateOrUpdateAndWait(
      RG,
      'pull',
      group({ image: 'nowhere/none:1', label: 'pull-1' }),
      poll,
    ),
  ).rejects.toThrow(/InaccessibleImage.*nowhere\/none:1/);
  const failed = await client.containerGroups.get(RG, 'pull');
  expect(failed.provisioningState).toBe('Failed');
  await client.containerGroups.beginDeleteAndWait(RG, 'pull', poll);
});

test('registry passwords are stored but never returned', async () => {
  const def = {
    ...group({ label: 'reg-pass-1' }),
    imageRegistryCredentials: [
      { server: 'example.azurecr.io', username: 'puller', password: 'registry-pass-xyz' },
    ],
  };
  let raw = '';
  await client.containerGroups.beginCreateOrUpdateAndWait(RG, 'regpass', def, poll);
  const g = await client.containerGroups.get(RG, 'regpass', {
    onResponse: (r) => (raw = r.bodyAsText ?? ''),
  });
  expect(g.imageRegistryCredentials).toEqual([{ server: 'example.azurecr.io', username: 'puller' }]);
  expect(raw).not.toContain('registry-pass-xyz');
  await client.containerGroups.beginDeleteAndWait(RG, 'regpass', poll);
});
