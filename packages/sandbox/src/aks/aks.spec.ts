import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { ClientSecretCredential } from '@azure/identity';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { SANDBOX_CLUSTER, SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '../sandbox.ts';
import { assertMatchesSpec } from '../spec-check.ts';

const SPEC = 'azure/containerservice/2026-06-01/managedClusters.json';
const kubePresent = existsSync(join(import.meta.dirname, '..', 'kube', 'index.ts'));
const poll = { updateIntervalInMs: 10 };

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-sb-aks-'));
  sb = await startSandbox({ stateDir: dir, storage: false, delays: { provisionMs: 30 } });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const client = () => {
  const { tenantId, clientId, clientSecret, subscriptionId } = sb.profile.sandbox;
  const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost: sb.profile.authorityHost,
    tlsOptions: { ca: sb.profile.caCert },
    disableInstanceDiscovery: true,
  });
  return new ContainerServiceClient(credential, subscriptionId, {
    endpoint: sb.profile.armEndpoint,
    tlsOptions: { ca: sb.profile.caCert },
    retryOptions: { retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
};

const cluster = (over: Record<string, unknown> = {}) => ({
  location: 'westeurope',
  dnsPrefix: 'c1',
  agentPoolProfiles: [{ name: 'system', mode: 'System' as const, vmSize: 'Standard_DS2_v2', count: 1 }],
  ...over,
});

async function refusal(
  p: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { statusCode?: number; code?: string; message: string };
  }
  throw new Error('expected the request to be refused');
}

test('the pre-existing cluster is served with the spec shape', async () => {
  const mc = await client().managedClusters.get(SANDBOX_RESOURCE_GROUP, SANDBOX_CLUSTER);
  expect(mc.provisioningState).toBe('Succeeded');
  expect(mc.agentPoolProfiles?.some((p) => p.mode === 'System')).toBe(true);
  const raw = JSON.parse(JSON.stringify(mc));
  expect(raw.name).toBe(SANDBOX_CLUSTER);
});

test('create, update a pool, list and delete a cluster through long-running operations', async () => {
  const aks = client();
  const created = await aks.managedClusters.beginCreateOrUpdateAndWait(
    SANDBOX_RESOURCE_GROUP,
    'mc-one',
    cluster(),
    poll,
  );
  expect(created.provisioningState).toBe('Succeeded');
  expect(created.fqdn).toMatch(/^c1-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/);

  const pool = await aks.agentPools.beginCreateOrUpdateAndWait(
    SANDBOX_RESOURCE_GROUP,
    'mc-one',
    'fpga',
    {
      vmSize: 'Standard_PB6s',
      count: 1,
      enableAutoScaling: true,
      minCount: 1,
      maxCount: 2,
      nodeTaints: ['fpga=true:NoSchedule'],
    },
    poll,
  );
  expect(pool.provisioningState).toBe('Succeeded');
  expect(pool.mode).toBe('User');
  const pools = [];
  for await (const p of aks.agentPools.list(SANDBOX_RESOURCE_GROUP, 'mc-one')) pools.push(p.name);
  expect(pools.sort()).toEqual(['fpga', 'system']);

  const names = [];
  for await (const c of aks.managedClusters.listByResourceGroup(SANDBOX_RESOURCE_GROUP)) names.push(c.name);
  expect(names).toContain('mc-one');

  await aks.managedClusters.beginDeleteAndWait(SANDBOX_RESOURCE_GROUP, 'mc-one', poll);
  const gone = await refusal(aks.managedClusters.get(SANDBOX_RESOURCE_GROUP, 'mc-one'));
  expect(gone.statusCode).toBe(404);
});

test('responses match the official ManagedCluster and AgentPool schemas', async () => {
  const url = `${sb.profile.armEndpoint}/subscriptions/${sb.profile.sandbox.subscriptionId}/resourceGroups/${SANDBOX_RESOURCE_GROUP}/providers/Microsoft.ContainerService/managedClusters/${SANDBOX_CLUSTER}`;
  const { tenantId, clientId, clientSecret } = sb.profile.sandbox;
  const credential = new ClientSecretCredential(tenantId, clientId, clientSecret, {
    authorityHost: sb.profile.authorityHost,
    tlsOptions: { ca: sb.profile.caCert },
    disableInstanceDiscovery: true,
  });
  const token = (await credential.getToken(`${sb.profile.armEndpoint}/.default`)).token;
  const { Agent } = await import('undici');
  const agent = new Agent({ connect: { ca: sb.profile.caCert } });
  try {
    const get = async (path: string) => {
      const res = await fetch(`${url}${path}?api-version=2026-06-01`, {
        headers: { authorization: `Bearer ${token}` },
        dispatcher: agent,
      } as RequestInit);
      expect(res.status).toBe(200);
      return res.json();
    };
    assertMatchesSpec(SPEC, 'ManagedCluster', await get(''));
    const pools = (await get('/agentPools')) as { value: unknown[] };
    assertMatchesSpec(SPEC, 'AgentPool', pools.value[0]);
  } finally {
    await agent.close();
  }
});

test.each([
  ['a bad cluster name', 'bad!name', cluster(), 'InvalidResourceName'],
  ['no location', 'mc-x', cluster({ location: '' }), 'LocationRequired'],
  ['no dnsPrefix or fqdnSubdomain', 'mc-x', cluster({ dnsPrefix: undefined }), 'InvalidParameter'],
  ['no agent pools', 'mc-x', cluster({ agentPoolProfiles: [] }), 'MustDefineAtLeastOneSystemPool'],
  [
    'only User pools',
    'mc-x',
    cluster({ agentPoolProfiles: [{ name: 'work', mode: 'User', vmSize: 'Standard_DS2_v2', count: 1 }] }),
    'MustDefineAtLeastOneSystemPool',
  ],
  [
    'an upper-case pool name',
    'mc-x',
    cluster({
      agentPoolProfiles: [{ name: 'System1', mode: 'System', vmSize: 'Standard_DS2_v2', count: 1 }],
    }),
    'InvalidParameter',
  ],
  [
    'a pool name over 12 characters',
    'mc-x',
    cluster({
      agentPoolProfiles: [{ name: 'systempoolone', mode: 'System', vmSize: 'Standard_DS2_v2', count: 1 }],
    }),
    'InvalidParameter',
  ],
  [
    'an FPGA size outside its regions',
    'mc-x',
    cluster({
      location: 'northeurope',
      agentPoolProfiles: [{ name: 'system', mode: 'System', vmSize: 'Standard_PB6s', count: 1 }],
    }),
    'VMSizeNotSupported',
  ],
  [
    'autoscale without bounds',
    'mc-x',
    cluster({
      agentPoolProfiles: [
        { name: 'system', mode: 'System', vmSize: 'Standard_DS2_v2', count: 1, enableAutoScaling: true },
      ],
    }),
    'InvalidParameter',
  ],
])('refuses %s with 400 and Azure error shape', async (_what, name, body, code) => {
  const err = await refusal(
    client().managedClusters.beginCreateOrUpdateAndWait(SANDBOX_RESOURCE_GROUP, name, body, poll),
  );
  expect(err.statusCode).toBe(400);
  expect(err.code).toBe(code);
  expect(err.message.length).toBeGreaterThan(10);
});

test('an unknown resource group answers 404 ResourceGroupNotFound', async () => {
  const err = await refusal(client().managedClusters.get('no-such-rg', 'c1'));
  expect(err.statusCode).toBe(404);
  expect(err.code).toBe('ResourceGroupNotFound');
});

test('an agent pool PUT with a bad name or size is refused', async () => {
  const aks = client();
  const bad = await refusal(
    aks.agentPools.beginCreateOrUpdateAndWait(
      SANDBOX_RESOURCE_GROUP,
      SANDBOX_CLUSTER,
      'Gpu',
      { vmSize: 'Standard_NC6s_v3' },
      poll,
    ),
  );
  expect(bad.code).toBe('InvalidParameter');
  const size = await refusal(
    aks.agentPools.beginCreateOrUpdateAndWait(
      SANDBOX_RESOURCE_GROUP,
      SANDBOX_CLUSTER,
      'big',
      { vmSize: 'Standard_Z99' },
      poll,
    ),
  );
  expect(size.code).toBe('VMSizeNotSupported');
});

test.skipIf(!kubePresent)('listClusterUserCredential returns a kubeconfig for that cluster', async () => {
  const creds = await client().managedClusters.listClusterUserCredentials(
    SANDBOX_RESOURCE_GROUP,
    SANDBOX_CLUSTER,
  );
  expect(creds.kubeconfigs?.[0]?.name).toBe('clusterUser');
  const text = Buffer.from(creds.kubeconfigs![0]!.value!).toString('utf8');
  expect(text).toMatch(/server: https:\/\/127\./);
});
