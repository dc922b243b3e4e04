import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createImageRunner } from '../images/index.ts';
import { createLoopbackNetwork } from '../net/index.ts';
import { loadOrCreateCa } from '../tls.ts';
import type { ImageRunner, SandboxNetworkContext } from '../types.ts';
import { createKubeCluster, type KubeCluster } from './index.ts';

const run = promisify(execFile);
const server =
  "require('node:http').createServer((q,s)=>s.end(process.env.GREETING)).listen(process.env.PORT, () => console.log('listening'))";
let dir: string;
let cluster: KubeCluster;
let images: ImageRunner;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-rollout-'));
  const ca = await loadOrCreateCa(dir);
  images = createImageRunner({ images: { 'test/hello:*': { command: ['{node}', '-e', server] } } });
  const network = createLoopbackNetwork({ hostsFile: join(dir, 'hosts') });
  const ctx = {
    ca,
    images,
    network,
    record: () => {},
    faultFor: () => undefined,
    log: () => {},
  } as unknown as SandboxNetworkContext;
  cluster = await createKubeCluster(ctx, { name: 'r1' });
  writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig());
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
});
afterAll(async () => {
  await cluster.stop();
  await images.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

const deployment = (image: string): k8s.V1Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'hello', namespace: 'default' },
  spec: {
    replicas: 2,
    progressDeadlineSeconds: 2,
    selector: { matchLabels: { app: 'hello' } },
    template: {
      metadata: { labels: { app: 'hello' } },
      spec: {
        containers: [
          {
            name: 'hello',
            image,
            env: [{ name: 'GREETING', value: 'hi' }],
            ports: [{ containerPort: 8080 }],
          },
        ],
      },
    },
  },
});

test('a deployment rolls out; kubectl rollout status sees it; a broken new version keeps the old pods', async () => {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await api.patch(
    deployment('test/hello:1'),
    undefined,
    undefined,
    'dove',
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') };
  const status = await run('kubectl', ['rollout', 'status', 'deployment/hello', '--timeout=30s'], { env });
  expect(status.stdout).toContain('successfully rolled out');
  const d = await apps.readNamespacedDeployment({ name: 'hello', namespace: 'default' });
  expect(d.status).toMatchObject({
    observedGeneration: 1,
    replicas: 2,
    updatedReplicas: 2,
    readyReplicas: 2,
    availableReplicas: 2,
  });
  expect(d.status?.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe('NewReplicaSetAvailable');

  await api.patch(
    deployment('unknown/image:2'),
    undefined,
    undefined,
    'dove',
    true,
    k8s.PatchStrategy.ServerSideApply,
  );
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await expect
    .poll(
      async () => {
        const list = await core.listNamespacedPod({ namespace: 'default' });
        return list.items
          .map((p) => p.status?.containerStatuses?.[0]?.state?.waiting?.reason ?? p.status?.phase)
          .sort();
      },
      { timeout: 10_000 },
    )
    .toEqual(['ErrImagePull', 'ErrImagePull', 'Running', 'Running']);
  const failed = await run('kubectl', ['rollout', 'status', 'deployment/hello', '--timeout=20s'], {
    env,
  }).catch((e: { stderr: string }) => e);
  expect((failed as { stderr: string }).stderr).toContain('exceeded its progress deadline');
  const after = await apps.readNamespacedDeployment({ name: 'hello', namespace: 'default' });
  expect(after.status?.availableReplicas).toBe(2);
});

test('a LoadBalancer Service gets an external IP that reaches the ready pods; pod logs are served', async () => {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await core.createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name: 'hello-lb' },
      spec: { type: 'LoadBalancer', selector: { app: 'hello' }, ports: [{ port: 8081, targetPort: 8080 }] },
    },
  });
  let ip = '';
  await expect
    .poll(async () => {
      const svc = await core.readNamespacedService({ name: 'hello-lb', namespace: 'default' });
      ip = svc.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
      return ip;
    })
    .toMatch(/^127\./);
  const res = await fetch(`http://${ip}:8081/`);
  expect(await res.text()).toBe('hi');
  const pods = await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'status.phase=Running' });
  const name = pods.items[0]?.metadata?.name ?? '';
  const log = await core.readNamespacedPodLog({ name, namespace: 'default', tailLines: 5 });
  expect(log).toContain('listening');
});

test('deleting a deployment removes its replica sets, pods and processes; the same name deploys again', async () => {
  const api = k8s.KubernetesObjectApi.makeApiClient(kc);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const again = { ...deployment('test/hello:3'), metadata: { name: 'again', namespace: 'default' } };
  again.spec!.selector = { matchLabels: { app: 'again' } };
  again.spec!.template.metadata = { labels: { app: 'again' } };
  const applyIt = () =>
    api.patch(again, undefined, undefined, 'dove', true, k8s.PatchStrategy.ServerSideApply);
  const ready = () =>
    expect
      .poll(
        async () => (await apps.readNamespacedDeployment({ name: 'again', namespace: 'default' })).status,
        { timeout: 20_000 },
      )
      .toMatchObject({ readyReplicas: 2, updatedReplicas: 2 });
  const podsOf = async () =>
    (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=again' })).items;

  await applyIt();
  await ready();
  const firstPods = (await podsOf()).map((p) => p.metadata?.name);
  expect(firstPods).toHaveLength(2);

  await apps.deleteNamespacedDeployment({ name: 'again', namespace: 'default' });
  await expect.poll(async () => (await podsOf()).length, { timeout: 20_000 }).toBe(0);
  const sets = await apps.listNamespacedReplicaSet({ namespace: 'default' });
  expect(sets.items.filter((rs) => rs.metadata?.name?.startsWith('again-'))).toEqual([]);

  // Same name, same template: the replica set name is free again and new pods serve.
  await applyIt();
  await ready();
  const secondPods = (await podsOf()).map((p) => p.metadata?.name);
  expect(secondPods).toHaveLength(2);
  expect(secondPods.some((n) => firstPods.includes(n))).toBe(false);
});
