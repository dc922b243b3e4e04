import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createImageRunner } from '../images/index.ts';
import { createLoopbackNetwork } from '../net/index.ts';
import { loadOrCreateCa } from '../tls.ts';
import type { ImageRunner, SandboxNetworkContext } from '../types.ts';
import { createKubeCluster, type KubeCluster } from './index.ts';
import { probeOnce } from './probes.ts';

// Listens at once; /ready answers 503 for its first READY_AFTER_MS, then 200 (never when NEVER is set).
const server = `const t0 = Date.now();
require('node:http').createServer((q, s) => {
  const ok = q.url !== '/ready' || (!process.env.NEVER && Date.now() - t0 > Number(process.env.READY_AFTER_MS ?? 0));
  s.statusCode = ok ? 200 : 503;
  s.end(ok ? 'ok' : 'warming up');
}).listen(process.env.PORT, '127.0.0.1')`;
// Opens its port only after a delay, like a model server loading its model.
const late =
  "setTimeout(() => require('node:http').createServer((q, s) => s.end('late')).listen(process.env.PORT, '127.0.0.1'), 700)";

let dir: string;
let cluster: KubeCluster;
let images: ImageRunner;
let kc: k8s.KubeConfig;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kube-probes-'));
  const ca = await loadOrCreateCa(dir);
  images = createImageRunner({
    images: {
      'test/warm:*': { command: ['{node}', '-e', server] },
      'test/late:*': { command: ['{node}', '-e', late] },
    },
  });
  const network = createLoopbackNetwork({ hostsFile: join(dir, 'hosts') });
  const ctx = {
    ca,
    images,
    network,
    record: () => {},
    faultFor: () => undefined,
    log: () => {},
  } as unknown as SandboxNetworkContext;
  cluster = await createKubeCluster(ctx, { name: 'p1' });
  kc = new k8s.KubeConfig();
  kc.loadFromString(cluster.kubeconfig());
});
afterAll(async () => {
  await cluster?.stop();
  await images?.stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function deployment(name: string, image: string, env: Record<string, string>, probe?: k8s.V1Probe) {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name,
              image,
              env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
              ports: [{ containerPort: 8080 }],
              ...(probe ? { readinessProbe: probe } : {}),
            },
          ],
        },
      },
    },
  };
}

async function until<T>(what: () => Promise<T | undefined>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function podOf(app: string): Promise<k8s.V1Pod | undefined> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pods = await core.listNamespacedPod({ namespace: 'default', labelSelector: `app=${app}` });
  return pods.items[0];
}

const readyCondition = (p?: k8s.V1Pod) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status;

test('probeOnce: TCP connect and HTTP status decide', async () => {
  const srv = createServer((s) => s.end());
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  expect(await probeOnce(undefined, port, 1000)).toBe(true);
  expect(await probeOnce({ tcpSocket: { port } }, port, 1000)).toBe(true);
  await new Promise<void>((r) => srv.close(() => r()));
  expect(await probeOnce(undefined, port, 1000)).toBe(false);
  expect(await probeOnce({ httpGet: { path: '/', port } }, port, 1000)).toBe(false);
});

test('an httpGet readiness probe keeps a running pod unready until it passes; counts follow', async () => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: deployment(
      'warm',
      'test/warm:1',
      { READY_AFTER_MS: '1200' },
      {
        httpGet: { path: '/ready', port: 8080 },
        periodSeconds: 5,
        failureThreshold: 3,
      },
    ),
  });
  const running = await until(async () => {
    const p = await podOf('warm');
    return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  });
  expect(readyCondition(running)).toBe('False');
  expect(running.status?.containerStatuses?.[0]?.ready).toBe(false);
  const d0 = await apps.readNamespacedDeployment({ namespace: 'default', name: 'warm' });
  expect(d0.status?.readyReplicas ?? 0).toBe(0);
  const ready = await until(async () => {
    const p = await podOf('warm');
    return readyCondition(p) === 'True' ? p : undefined;
  });
  expect(ready.status?.containerStatuses?.[0]?.ready).toBe(true);
  await until(async () => {
    const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'warm' });
    return d.status?.readyReplicas === 1 && d.status?.availableReplicas === 1 ? d : undefined;
  });
});

test('without a probe a pod is ready only once its port accepts connections; LoadBalancer waits for it', async () => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: deployment('late', 'test/late:1', {}),
  });
  await core.createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name: 'late' },
      spec: { type: 'LoadBalancer', selector: { app: 'late' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  const ip = await until(async () => {
    const s = await core.readNamespacedService({ namespace: 'default', name: 'late' });
    return s.status?.loadBalancer?.ingress?.[0]?.ip;
  });
  const running = await until(async () => {
    const p = await podOf('late');
    return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  });
  if (readyCondition(running) === 'False') await expect(fetch(`http://${ip}/`)).rejects.toThrow();
  await until(async () => (readyCondition(await podOf('late')) === 'True' ? true : undefined));
  const res = await fetch(`http://${ip}/`);
  expect(await res.text()).toBe('late');
});

test('a pod whose probe never passes never gets traffic', async () => {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  await apps.createNamespacedDeployment({
    namespace: 'default',
    body: deployment(
      'never',
      'test/warm:1',
      { NEVER: '1' },
      { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 1 },
    ),
  });
  await core.createNamespacedService({
    namespace: 'default',
    body: {
      metadata: { name: 'never' },
      spec: { type: 'LoadBalancer', selector: { app: 'never' }, ports: [{ port: 80, targetPort: 8080 }] },
    },
  });
  const ip = await until(async () => {
    const s = await core.readNamespacedService({ namespace: 'default', name: 'never' });
    return s.status?.loadBalancer?.ingress?.[0]?.ip;
  });
  await until(async () => {
    const p = await podOf('never');
    return p?.status?.containerStatuses?.[0]?.state?.running ? p : undefined;
  });
  await new Promise((r) => setTimeout(r, 500));
  expect(readyCondition(await podOf('never'))).toBe('False');
  await expect(fetch(`http://${ip}/`)).rejects.toThrow();
  const d = await apps.readNamespacedDeployment({ namespace: 'default', name: 'never' });
  expect(d.status?.readyReplicas ?? 0).toBe(0);
});

test('probeOnce: a grpc probe passes only when Health/Check answers SERVING for the service asked', async () => {
  const grpc = await import('@grpc/grpc-js');
  const raw = (b: Buffer) => b;
  const check = {
    path: '/grpc.health.v1.Health/Check',
    requestStream: false,
    responseStream: false,
    requestSerialize: raw,
    requestDeserialize: raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  };
  let status = 1;
  const server = new grpc.Server();
  server.addService({ Check: check } as never, {
    Check: (
      call: { request: Buffer },
      cb: (e: Partial<import('@grpc/grpc-js').StatusObject> | null, r?: Buffer) => void,
    ) => {
      // An empty request asks about the server; "\x0a\x01x" asks about service "x", unknown here.
      if (call.request.length > 0) return cb({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      cb(null, Buffer.from([0x08, status]));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  try {
    expect(await probeOnce({ grpc: { port } }, port, 2000)).toBe(true);
    expect(await probeOnce({ grpc: { port, service: 'x' } }, port, 2000)).toBe(false);
    status = 2; // NOT_SERVING
    expect(await probeOnce({ grpc: { port } }, port, 2000)).toBe(false);
  } finally {
    server.forceShutdown();
  }
  // Nothing listening: fails within the timeout.
  expect(await probeOnce({ grpc: { port } }, port, 500)).toBe(false);
});
