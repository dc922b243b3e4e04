import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createImageRunner } from '../images/index.ts';
import { createLoopbackNetwork } from '../net/index.ts';
import { loadOrCreateCa } from '../tls.ts';
import type { ImageRunner, SandboxNetworkContext } from '../types.ts';
import { createKubeCluster, type KubeCluster, type KubeNodePool } from './index.ts';
import { type SchedNode, schedule, tolerates } from './scheduler.ts';

const server =
  "require('node:http').createServer((q, s) => s.end('ok')).listen(process.env.PORT, '127.0.0.1')";
const system: KubeNodePool = { name: 'nodepool1', count: 1, vmSize: 'Standard_DS2_v2' };
const gpuPool = (count: number): KubeNodePool => ({
  name: 'gpu',
  count,
  vmSize: 'Standard_NC6s_v3',
  nodeLabels: { accelerator: 'nvidia' },
  nodeTaints: ['sku=gpu:NoSchedule'],
  capacity: { cpu: '6', memory: '112Gi', pods: '110', 'nvidia.com/gpu': '1' },
});

let dir: string;
let cluster: KubeCluster;
let images: ImageRunner;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-sched-'));
  const ca = await loadOrCreateCa(dir);
  images = createImageRunner({ images: { 'test/gpu:*': { command: ['{node}', '-e', server] } } });
  const network = createLoopbackNetwork({ hostsFile: join(dir, 'hosts') });
  const ctx = {
    ca,
    images,
    network,
    record: () => {},
    faultFor: () => undefined,
    log: () => {},
  } as unknown as SandboxNetworkContext;
  cluster = await createKubeCluster(ctx, { name: 's1', nodePools: [system, gpuPool(1)] });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
});
afterAll(async () => {
  await cluster?.stop();
  await images?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('schedule: selector, taints and extended resources filter nodes', () => {
  const node = (
    name: string,
    labels: Record<string, string>,
    taints: SchedNode['spec'],
    gpus = 0,
  ): SchedNode => ({
    metadata: { name, labels },
    spec: taints,
    status: { allocatable: { 'nvidia.com/gpu': String(gpus) } },
  });
  const nodes = [
    node('cpu', { pool: 'cpu' }, {}),
    node('gpu', { pool: 'gpu' }, { taints: [{ key: 'sku', value: 'gpu', effect: 'NoSchedule' }] }, 1),
  ];
  const pod = (spec: Record<string, unknown>) =>
    ({ metadata: { name: 'p' }, spec: { containers: [{}], ...spec } }) as never;
  expect(schedule(pod({}), nodes, [])).toEqual({ node: 'cpu' });
  expect(schedule(pod({ nodeSelector: { pool: 'gpu' } }), nodes, [])).toMatchObject({
    message: expect.stringContaining('1 node(s) had untolerated taint {sku: gpu}'),
  });
  const gpuPod = pod({
    nodeSelector: { pool: 'gpu' },
    tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
    containers: [{ resources: { limits: { 'nvidia.com/gpu': '1' } } }],
  });
  expect(schedule(gpuPod, nodes, [])).toEqual({ node: 'gpu' });
  const taken = { metadata: { name: 'q' }, spec: { ...(gpuPod as any).spec, nodeName: 'gpu' } };
  const r = schedule(gpuPod, nodes, [taken]);
  expect(r).toMatchObject({
    message: expect.stringMatching(/^0\/2 nodes are available: .*Insufficient nvidia\.com\/gpu/),
  });
  expect(tolerates([{ operator: 'Exists' }], { key: 'any', effect: 'NoExecute' })).toBe(true);
  expect(
    tolerates([{ key: 'sku', operator: 'Exists', effect: 'NoExecute' }], {
      key: 'sku',
      effect: 'NoSchedule',
    }),
  ).toBe(false);
});

test('a pod that fits nowhere stays Pending with FailedScheduling, and is placed once a node fits', async () => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: {
      metadata: { name: 'gpu' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'gpu' } },
        template: {
          metadata: { labels: { app: 'gpu' } },
          spec: {
            nodeSelector: { accelerator: 'nvidia' },
            tolerations: [{ key: 'sku', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'gpu',
                image: 'test/gpu:1',
                ports: [{ containerPort: 8080 }],
                resources: { limits: { 'nvidia.com/gpu': '1' } },
              },
            ],
          },
        },
      },
    },
  });
  const list = async () =>
    (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=gpu' })).items;
  const pending = await until(async () => {
    const pods = await list();
    const ready = pods.filter((p) =>
      p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    const stuck = pods.find((p) =>
      p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'),
    );
    return ready.length === 1 && stuck ? { ready: ready[0]!, stuck } : undefined;
  });
  expect(pending.ready.spec?.nodeName).toMatch(/^aks-gpu-/);
  expect(pending.stuck.status?.phase).toBe('Pending');
  expect(pending.stuck.spec?.nodeName).toBeUndefined();
  const cond = pending.stuck.status?.conditions?.find((c) => c.type === 'PodScheduled');
  expect(cond?.reason).toBe('Unschedulable');
  expect(cond?.message).toContain('Insufficient nvidia.com/gpu');
  expect(cond?.message).toContain("1 node(s) didn't match Pod's node affinity/selector");
  const events = await core.listNamespacedEvent({ namespace: 'default' });
  const ev = events.items.find(
    (e) => e.reason === 'FailedScheduling' && e.involvedObject.name === pending.stuck.metadata?.name,
  );
  expect(ev?.type).toBe('Warning');
  expect(ev?.message).toContain('0/2 nodes are available');
  const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'gpu' });
  expect(d.status?.readyReplicas ?? 0).toBeLessThan(2);

  cluster.setNodePools([system, gpuPool(2)]);
  await until(async () => {
    const dep = await apps.readNamespacedDeployment({ namespace: 'default', name: 'gpu' });
    return dep.status?.readyReplicas === 2 ? dep : undefined;
  });
  const nodes = new Set((await list()).map((p) => p.spec?.nodeName));
  expect(nodes.size).toBe(2);
});
