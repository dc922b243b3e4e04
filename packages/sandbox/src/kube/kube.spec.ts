import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { assertMatchesSpec } from '../spec-check.ts';
import { loadOrCreateCa } from '../tls.ts';
import type { SandboxNetworkContext } from '../types.ts';
import { createKubeCluster, type KubeCluster } from './index.ts';

const run = promisify(execFile);
let dir: string;
let cluster: KubeCluster;
let kc: k8s.KubeConfig;
let caPem: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-'));
  const ca = await loadOrCreateCa(dir);
  caPem = ca.certPem;
  // Only the parts of the context this server uses; images and network are not needed here.
  const ctx = {
    ca,
    record: () => {},
    faultFor: () => undefined,
    log: () => {},
  } as unknown as SandboxNetworkContext;
  cluster = await createKubeCluster(ctx, {
    name: 'c1',
    nodePools: [
      {
        name: 'gpu',
        count: 2,
        vmSize: 'Standard_NC6s_v3',
        taints: ['sku=gpu:NoSchedule'],
        capacity: { cpu: '6', 'nvidia.com/gpu': '1' },
      },
    ],
  });
  writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig());
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
});
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
});

const deployment = (image: string): k8s.V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image }] } },
  },
});

/** A raw GET (the JSON as the server sent it, before any client turns dates into objects). */
function rawGet(
  path: string,
  token: string,
  accept = 'application/json',
): Promise<{
  status: number;
  type: string; // biome-ignore lint/suspicious/noExplicitAny: test reads arbitrary JSON
  body: any;
}> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${cluster.server}${path}`,
      { ca: caPem, headers: { authorization: `Bearer ${token}`, accept } },
      (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            type: String(res.headers['content-type']),
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}
const tokenOf = (config: string) => /token: (\w+)/.exec(config)?.[1] ?? '';

test('without a valid token the server answers 401 with a Status', async () => {
  const res = await rawGet('/api/v1/namespaces', 'wrong');
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  const ok = await rawGet('/api/v1/namespaces', tokenOf(cluster.kubeconfig()));
  expect(ok.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual([
    'default',
    'kube-public',
    'kube-system',
  ]);
});

test('discovery: aggregated when asked for, plain group list otherwise', async () => {
  const token = tokenOf(cluster.kubeconfig());
  const agg = await rawGet(
    '/apis',
    token,
    'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json',
  );
  expect(agg.type).toContain('as=APIGroupDiscoveryList');
  expect(agg.body.items.map((g: { metadata: { name: string } }) => g.metadata.name)).toEqual([
    'apps',
    'autoscaling',
  ]);
  const plain = await rawGet('/apis', token);
  expect(plain.body.kind).toBe('APIGroupList');
  const apps = await new k8s.KubeConfig();
  apps.loadFromString(cluster.kubeconfig());
  const resources = await apps.makeApiClient(k8s.AppsV1Api).getAPIResources();
  expect(resources.resources.map((r) => r.name)).toContain('deployments');
});

test('server-side apply creates, then updates with a new generation and managedFields', async () => {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const created = await api.patch(
    deployment('model:v1'),
    undefined,
    undefined,
    'dove',
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  expect(created.metadata?.generation).toBe(1);
  expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
  expect(created.metadata?.managedFields?.[0]).toMatchObject({ manager: 'dove', operation: 'Apply' });
  const updated = await api.patch(
    deployment('model:v2'),
    undefined,
    undefined,
    'dove',
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  expect(updated.metadata?.generation).toBe(2);
  expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(
    Number(created.metadata?.resourceVersion),
  );
  const read = await kc
    .makeApiClient(k8s.AppsV1Api)
    .readNamespacedDeployment({ name: 'web', namespace: 'default' });
  expect(read.spec?.template.spec?.containers[0]?.image).toBe('model:v2');
  const raw = await rawGet('/apis/apps/v1/namespaces/default/deployments/web', tokenOf(cluster.kubeconfig()));
  assertMatchesSpec(
    'kubernetes/openapi-v3/apis__apps__v1_openapi.json',
    '#/components/schemas/io.k8s.api.apps.v1.Deployment',
    raw.body,
  );
});

test('404 and 409 answers have Kubernetes Status shape', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const missing = await core.readNamespacedConfigMap({ name: 'nope', namespace: 'default' }).catch((e) => e);
  expect(missing.code).toBe(404);
  expect(JSON.parse(missing.body)).toMatchObject({
    kind: 'Status',
    reason: 'NotFound',
    details: { name: 'nope' },
  });
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'cfg', labels: { t: 'a' } }, data: { a: '1' } },
  });
  const dup = await core
    .createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg' } } })
    .catch((e) => e);
  expect(dup.code).toBe(409);
  expect(JSON.parse(dup.body).reason).toBe('AlreadyExists');
  await core.createNamespacedConfigMap({
    namespace: 'default',
    body: { metadata: { name: 'other', labels: { t: 'b' } } },
  });
  const selected = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 't=a' });
  expect(selected.items.map((c) => c.metadata?.name)).toEqual(['cfg']);
});

test('a watch streams the changes made after it started', async () => {
  const seen: string[] = [];
  const req = await new k8s.Watch(kc).watch(
    '/api/v1/namespaces/default/configmaps',
    {},
    (type, obj) => {
      seen.push(`${type} ${obj.metadata.name}`);
    },
    () => {},
  );
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
  await core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'default' });
  await expect.poll(() => seen).toContain('DELETED watched');
  expect(seen).toContain('ADDED watched');
  req.abort();
});

test('kubectl: nodes from the node pools, server-side apply and get', async () => {
  const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
  const nodes = await run('kubectl', ['get', 'nodes', '-o', 'jsonpath={.items[*].spec.taints[0].key}'], {
    env,
  });
  expect(nodes.stdout.trim()).toBe('sku sku');
  const file = join(dir, 'cm.yaml');
  writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-kubectl\ndata:\n  k: v\n');
  const applied = await run('kubectl', ['apply', '--server-side', '--validate=false', '-f', file], { env });
  expect(applied.stdout).toContain('configmap/from-kubectl serverside-applied');
  const got = await run('kubectl', ['get', 'configmap', 'from-kubectl', '-o', 'jsonpath={.data.k}'], { env });
  expect(got.stdout).toBe('v');
  const deploys = await run('kubectl', ['get', 'deployments'], { env });
  // No server-side Table printing yet: kubectl falls back to name and age columns.
  expect(deploys.stdout).toMatch(/^NAME\s+AGE/);
  expect(deploys.stdout).toContain('web');
  const described = await run('kubectl', ['describe', 'configmap', 'from-kubectl'], { env });
  expect(described.stdout).toMatch(/Name:\s+from-kubectl/);
  expect(described.stdout).toMatch(/k:\s*\n-+\s*\nv/);
  const describedDeploy = await run('kubectl', ['describe', 'deployment', 'web'], { env });
  expect(describedDeploy.stdout).toMatch(/Name:\s+web/);
});
