// The FPGA target against the sandbox: ARM agent pools, the Kubernetes scheduler honouring the
// FPGA device resource, nodeSelector and taints, and the example gRPC scorer run as a pod.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { isDoveError } from '@dove/deploy-core';
import { createModelDelivery, uploadModel } from '@dove/model-store';
import {
  loadOrCreateCa,
  SANDBOX_CLUSTER,
  SANDBOX_RESOURCE_GROUP,
  type Sandbox,
  startSandbox,
} from '@dove/sandbox';
import { startAzurite } from '@dove/testkit';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkHealth, floatTensor, predict, readTensor } from '../src/grpc.ts';
import { fpga } from '../src/plugin.ts';
import { TAG_CREATED_BY } from '../src/pool.ts';
import { fpgaContext } from './context.ts';
import { featurizerDir } from './scorer.ts';

let sb: Sandbox;
let dir: string;
let arm: ContainerServiceClient;
let core: CoreV1Api;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-fpga-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { provisionMs: 20, containerStartMs: 50 },
  });
  const ctx = fpgaContext(sb, 'probe', { cluster: cluster(), architecture: 'resnet50' });
  arm = new ContainerServiceClient(ctx.credential, sb.profile.sandbox.subscriptionId, {
    endpoint: sb.profile.armEndpoint,
    credentials: { scopes: [sb.profile.armScope ?? `${sb.profile.armEndpoint}/.default`] },
    tlsOptions: { ca: sb.profile.caCert! },
  });
  const kc = new KubeConfig();
  kc.loadFromFile(sb.profile.sandbox.kubeconfigs![SANDBOX_CLUSTER]!);
  core = kc.makeApiClient(CoreV1Api);
});
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cluster = (name = SANDBOX_CLUSTER) => ({ resourceGroup: SANDBOX_RESOURCE_GROUP, name });

async function pools(clusterName = SANDBOX_CLUSTER) {
  const out = [];
  for await (const p of arm.agentPools.list(SANDBOX_RESOURCE_GROUP, clusterName)) out.push(p);
  return out;
}

async function deploy(environment: string, settings: Record<string, unknown>, version = '1.0.0') {
  const ctx = fpgaContext(sb, environment, { cluster: cluster(), ...settings }, { version });
  const target = fpga({ pollMs: 50 });
  const plan = await target.plan(ctx);
  // Plan only reads (its one POST is ARM's listClusterUserCredential, a read by another name).
  const writesAfterPlan = ctx.requests.snapshot().byApi.k8s?.writes ?? 0;
  const poolsAfterPlan = (await pools()).map((p) => p.name).sort();
  const applied = await target.apply(ctx, plan);
  try {
    const verified = await target.verify(ctx, applied, plan);
    return { ctx, plan, target, verified, writesAfterPlan, poolsAfterPlan };
  } catch (err) {
    await target.rollback(ctx, plan);
    return { ctx, plan, target, error: err as Error, writesAfterPlan, poolsAfterPlan };
  }
}

/** Node names of the pods of one environment, read through the real Kubernetes client. */
async function podNodes(app: string) {
  const pods = await core.listNamespacedPod({
    namespace: 'default',
    labelSelector: `app.kubernetes.io/name=${app}`,
  });
  return pods.items.map((p) => ({ name: p.metadata?.name, node: p.spec?.nodeName, phase: p.status?.phase }));
}

async function nodesOfPool(pool: string) {
  const nodes = await core.listNode({ labelSelector: `kubernetes.azure.com/agentpool=${pool}` });
  return nodes.items.map((n) => n.metadata?.name);
}

const grpcAddress = (uri: string) => uri.replace(/^grpcs?:\/\//, '');

test('an unsupported architecture is refused: by the schema (located) and by plan before anything is read', async () => {
  const parsed = fpga().configSchema.safeParse({ cluster: cluster(), architecture: 'inception-v3' });
  expect(parsed.success).toBe(false);
  const issue = parsed.error!.issues[0]!;
  expect(issue.path).toEqual(['architecture']);
  expect(issue.message).toContain('resnet50, resnet152, densenet121, vgg16, ssd-vgg');

  const ctx = fpgaContext(
    sb,
    'bad-arch',
    {
      cluster: cluster(),
      architecture: 'inception-v3',
      nodePool: { name: 'fpga', vmSize: 'Standard_PB6s', count: 1 },
    },
    { raw: true },
  );
  const err = await fpga()
    .plan(ctx)
    .catch((e: unknown) => e);
  expect(isDoveError(err) && err.code).toBe('DOVE_SETTINGS_INVALID');
  expect((err as Error).message).toMatch(
    /targets\.bad-arch\.architecture: 'inception-v3' is not a supported featurizer/,
  );
  expect(ctx.requests.snapshot().reads + ctx.requests.snapshot().writes).toBe(0);
});

test('a cluster in a region without FPGA sizes: plan names the region and where the size is offered; nothing is created', async () => {
  await arm.managedClusters.beginCreateOrUpdateAndWait(
    SANDBOX_RESOURCE_GROUP,
    'aks-eastus2',
    {
      location: 'eastus2',
      dnsPrefix: 'aks-eastus2',
      agentPoolProfiles: [{ name: 'system', mode: 'System', vmSize: 'Standard_DS2_v2', count: 1 }],
    },
    { updateIntervalInMs: 20 },
  );
  const ctx = fpgaContext(sb, 'far', { cluster: cluster('aks-eastus2'), architecture: 'resnet50' });
  const err = await fpga()
    .plan(ctx)
    .catch((e: unknown) => e);
  expect(isDoveError(err) && err.code).toBe('DOVE_SETTINGS_INVALID');
  expect((err as Error).message).toContain(
    'targets.far.nodePool.vmSize: Standard_PB6s is not offered in eastus2, the region of cluster aks-eastus2. It is offered in eastus, westus2, westeurope, southeastasia',
  );
  expect(ctx.requests.snapshot().writes).toBe(0);
  expect((await pools('aks-eastus2')).map((p) => p.name)).toEqual(['system']);
});

describe('deploys on the sandbox cluster (westeurope)', () => {
  let firstUri = '';

  test('first deploy: plan warns (pool, minutes, quota family), apply adds the pool, pods land only on FPGA nodes, gRPC health + Predict pass', async () => {
    expect((await pools()).map((p) => p.name)).toEqual(['system']);
    const r = await deploy('fast', { architecture: 'resnet50', nodePool: { count: 4 } });
    expect(r.error).toBeUndefined();
    expect(r.writesAfterPlan).toBe(0);
    expect(r.poolsAfterPlan).toEqual(['system']);
    expect(r.plan.action).toBe('create');
    expect(r.plan.changes[0]).toMatchObject({
      path: 'agentPools/fpga',
      kind: 'add',
      after: '4 x Standard_PB6s',
    });
    const warnings = r.plan.warnings.join('\n');
    expect(warnings).toMatch(/ADDS AN FPGA NODE POOL 'fpga': 4 x Standard_PB6s .* in westeurope/);
    expect(warnings).toMatch(/5-10 minutes/);
    expect(warnings).toContain("'Standard PBS Family vCPUs'");
    expect(warnings).toContain('needs 24 more vCPUs');

    const pool = await arm.agentPools.get(SANDBOX_RESOURCE_GROUP, SANDBOX_CLUSTER, 'fpga');
    expect(pool).toMatchObject({ vmSize: 'Standard_PB6s', count: 4, mode: 'User' });
    expect(pool.tags?.[TAG_CREATED_BY]).toBe('dove');
    expect(pool.nodeTaints).toEqual(['dove.dev/accelerator=fpga:NoSchedule']);

    const fpgaNodes = await nodesOfPool('fpga');
    expect(fpgaNodes).toHaveLength(4);
    const placed = await podNodes('featurizer-fast');
    expect(placed.length).toBeGreaterThan(0);
    for (const p of placed) expect(fpgaNodes).toContain(p.node);

    const v = r.verified!;
    expect(v.smoke?.ok).toBe(true);
    expect(v.smoke?.body).toMatch(/^Predict output:0 \[1x6\]: /);
    firstUri = v.endpoint!.scoringUri;
    expect(firstUri).toMatch(/^grpc:\/\/127\.\d+\.\d+\.\d+:80$/);

    // The same service, called as any TF-Serving client would.
    const t = { address: grpcAddress(firstUri) };
    expect(await checkHealth(t)).toBe('SERVING');
    const res = await predict(t, {
      model_spec: { name: 'featurizer' },
      inputs: {
        'Placeholder:0': floatTensor([
          [5.1, 3.5, 1.4, 0.2],
          [6.7, 3.0, 5.2, 2.3],
        ]),
      },
    });
    const out = readTensor(res.outputs!['output:0']!);
    expect(out.shape).toEqual([2, 6]);
    expect(out.values).toHaveLength(12);
    expect(res.model_spec?.name).toBe('featurizer');
  });

  test('the Deployment requests the FPGA, selects the pool, tolerates its taint and exposes gRPC', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(sb.profile.sandbox.kubeconfigs![SANDBOX_CLUSTER]!);
    const apps = kc.makeApiClient(AppsV1Api);
    const d = await apps.readNamespacedDeployment({ name: 'featurizer-fast', namespace: 'default' });
    const spec = d.spec!.template.spec!;
    expect(spec.containers[0]!.resources?.limits?.['microsoft.com/fpga']).toBe('1');
    expect(spec.nodeSelector).toEqual({ 'kubernetes.azure.com/agentpool': 'fpga' });
    expect(spec.tolerations).toEqual([
      { key: 'dove.dev/accelerator', operator: 'Equal', value: 'fpga', effect: 'NoSchedule' },
    ]);
    expect(spec.containers[0]!.readinessProbe?.grpc?.port).toBe(50051);
    expect(spec.containers[0]!.env?.find((e) => e.name === 'DOVE_FPGA_ARCHITECTURE')?.value).toBe('resnet50');
    const svc = await core.readNamespacedService({ name: 'featurizer-fast', namespace: 'default' });
    expect(svc.spec?.ports?.[0]).toMatchObject({
      name: 'grpc',
      port: 80,
      targetPort: 50051,
      appProtocol: 'grpc',
    });
  });

  test('without the toleration a workload asking for an FPGA stays Pending: the taint keeps others off', async () => {
    const kc = new KubeConfig();
    kc.loadFromFile(sb.profile.sandbox.kubeconfigs![SANDBOX_CLUSTER]!);
    const apps = kc.makeApiClient(AppsV1Api);
    const labels = { app: 'no-toleration' };
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: {
        metadata: { name: 'no-toleration' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              nodeSelector: { 'kubernetes.azure.com/agentpool': 'fpga' },
              containers: [
                {
                  name: 'c',
                  image: 'example.azurecr.io/dove-examples/fpga-scorer:1.0.0',
                  resources: { limits: { 'microsoft.com/fpga': '1' } },
                },
              ],
            },
          },
        },
      },
    });
    let pod: Awaited<ReturnType<typeof core.listNamespacedPod>>['items'][number] | undefined;
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      pod = (await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=no-toleration' }))
        .items[0];
      if (pod?.status?.conditions?.some((c) => c.type === 'PodScheduled')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(pod?.spec?.nodeName).toBeUndefined();
    const scheduled = pod?.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(scheduled).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    await apps.deleteNamespacedDeployment({ name: 'no-toleration', namespace: 'default' });
  });

  test('a second environment reuses the pool (no pool change, no pool warning)', async () => {
    const r = await deploy('fast2', { architecture: 'resnet50', quantized: false, nodePool: { count: 1 } });
    expect(r.error).toBeUndefined();
    expect(r.plan.changes.some((c) => c.path.startsWith('agentPools/'))).toBe(false);
    expect(r.plan.warnings.join('\n')).not.toMatch(/ADDS AN FPGA NODE POOL|QUOTA/);
    expect(r.plan.summary).toMatch(/on FPGA pool fpga \(resnet50, Standard_PB6s, westeurope\)/);
    expect(r.ctx.progressLines).toContain('reusing FPGA node pool fpga (4 x Standard_PB6s)');
    expect((await pools()).map((p) => `${p.name}:${p.count}`).sort()).toEqual(['fpga:4', 'system:3']);
    const fpgaNodes = await nodesOfPool('fpga');
    for (const p of await podNodes('featurizer-fast2')) expect(fpgaNodes).toContain(p.node);
    expect(r.verified?.smoke?.ok).toBe(true);
  });

  test('rollback: a new version that cannot start (model is not the asked architecture) leaves the old one serving', async () => {
    const r = await deploy('fast', { architecture: 'vgg16', nodePool: { count: 4 } }, '2.0.0');
    expect(r.error?.message).toMatch(/featurizer-fast cannot become available: .*CrashLoopBackOff/s);
    expect(r.error?.message).toContain(
      'featurizer.json is a resnet50 featurizer, but this deployment asks for vgg16',
    );
    const t = { address: grpcAddress(firstUri) };
    expect(await checkHealth(t)).toBe('SERVING');
    const res = await predict(t, { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3, 4]]) } });
    expect(readTensor(res.outputs!['output:0']!).shape).toEqual([1, 6]);
    const status = await r.target.status(r.ctx);
    expect(status).toMatchObject({ kind: 'fpga', state: 'serving', version: '1.0.0' });
  });

  test('rollback: a new version whose Predict fails the sample names the Predict step; the old one keeps answering', async () => {
    const r = await deploy(
      'fast',
      { architecture: 'resnet50', nodePool: { count: 4 }, sample: [[1, 2, 3]] },
      '3.0.0',
    );
    expect(r.error?.message).toMatch(
      /smoke test of featurizer-fast failed: Predict \(tensorflow\.serving\.PredictionService\/Predict\) on .* failed: INVALID_ARGUMENT input 'Placeholder:0' must have shape \[batch, 4\]/,
    );
    const t = { address: grpcAddress(firstUri) };
    const res = await predict(t, { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3, 4]]) } });
    expect(readTensor(res.outputs!['output:0']!).shape).toEqual([1, 6]);
    expect(await r.target.status(r.ctx)).toMatchObject({ state: 'serving', version: '1.0.0' });
  });

  test('the model comes from the model store: the pod downloads and verifies it (the SAS only in the Secret)', async () => {
    const azurite = await startAzurite();
    try {
      const store = { connectionString: azurite.connectionString, container: 'models' };
      await uploadModel({
        store,
        model: { name: 'resnet50-featurizer', version: '1.0.0', path: featurizerDir },
        specHash: 'h',
      });
      const delivery = await createModelDelivery({ store, name: 'resnet50-featurizer', version: '1.0.0' });
      const ctx = fpgaContext(sb, 'stored', { cluster: cluster(), architecture: 'resnet50' });
      ctx.modelDelivery = delivery;
      const target = fpga({ pollMs: 50 });
      const plan = await target.plan(ctx);
      const verified = await target.verify(ctx, await target.apply(ctx, plan), plan);
      expect(verified.smoke?.ok).toBe(true);
      const logs = await target.logs!(ctx, { tail: 20 });
      expect(logs).toMatch(
        /model resnet50-featurizer 1\.0\.0 loaded from http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/models\/resnet50-featurizer\/1\.0\.0 \(featurizer\.json/,
      );
      const kc = new KubeConfig();
      kc.loadFromFile(sb.profile.sandbox.kubeconfigs![SANDBOX_CLUSTER]!);
      const d = await kc
        .makeApiClient(AppsV1Api)
        .readNamespacedDeployment({ name: 'featurizer-stored', namespace: 'default' });
      const env = d.spec!.template.spec!.containers[0]!.env!;
      expect(env.find((e) => e.name === 'DOVE_MODEL_URI')?.value).toBe(delivery.uri);
      expect(env.find((e) => e.name === 'DOVE_MODEL_SAS')?.valueFrom?.secretKeyRef?.name).toBe(
        'featurizer-stored-env',
      );
    } finally {
      await azurite.stop();
    }
  });

  test('TLS and an API key: verify calls grpcs with the key; a call without the key is refused', async () => {
    const ca = await loadOrCreateCa(join(dir, 'test-ca'));
    const { certPem, keyPem } = await ca.issue(['featurizer.example.test']);
    const protocol = {
      port: 443,
      tls: { cert: certPem, key: keyPem, ca: ca.certPem, serverName: 'featurizer.example.test' },
      auth: true,
    };
    const r = await deploy('secure', { architecture: 'resnet50', protocol });
    expect(r.error).toBeUndefined();
    const endpoint = r.verified!.endpoint!;
    expect(endpoint.scoringUri).toMatch(/^grpcs:\/\/127\.\d+\.\d+\.\d+:443$/);
    expect(endpoint.auth?.type).toBe('key');
    const tls = { ca: ca.certPem, serverName: 'featurizer.example.test' };
    const address = grpcAddress(endpoint.scoringUri);
    const req = { inputs: { 'Placeholder:0': floatTensor([[1, 2, 3, 4]]) } };
    await expect(predict({ address, tls }, req)).rejects.toMatchObject({ code: 16 });
    const res = await predict({ address, tls, key: endpoint.auth!.primaryKey! }, req);
    expect(readTensor(res.outputs!['output:0']!).shape).toEqual([1, 6]);
  });

  test('a pool with too few nodes is grown (plan shows the count change and the quota); capacity is warned about', async () => {
    const ctx = fpgaContext(sb, 'big', {
      cluster: cluster(),
      architecture: 'resnet50',
      nodePool: { count: 5 },
      replicas: 1,
    });
    const plan = await fpga().plan(ctx);
    expect(plan.changes[0]).toMatchObject({
      path: 'agentPools/fpga.count',
      kind: 'change',
      before: 4,
      after: 5,
    });
    const warnings = plan.warnings.join('\n');
    expect(warnings).toMatch(/GROWS FPGA NODE POOL 'fpga' from 4 to 5 x Standard_PB6s/);
    expect(warnings).toContain("QUOTA: needs 6 more vCPUs of 'Standard PBS Family vCPUs' in westeurope");
    expect((await pools()).find((p) => p.name === 'fpga')?.count).toBe(4);

    const r = await deploy('big', { architecture: 'resnet50', nodePool: { count: 5 }, replicas: 1 });
    expect(r.error).toBeUndefined();
    expect((await pools()).find((p) => p.name === 'fpga')?.count).toBe(5);
    expect(await nodesOfPool('fpga')).toHaveLength(5);

    const crowded = fpgaContext(sb, 'crowded', {
      cluster: cluster(),
      architecture: 'resnet50',
      nodePool: { count: 2 },
      replicas: 2,
      strategy: 'blue-green',
    });
    // Blue-green with 2 replicas needs 4 FPGAs: the pool has 5, no warning.
    expect((await fpga().plan(crowded)).warnings.join('\n')).not.toContain('CAPACITY');
    const tight = fpgaContext(sb, 'tight', { cluster: cluster(), architecture: 'resnet50', replicas: 5 });
    expect((await fpga().plan(tight)).warnings.join('\n')).toContain(
      'CAPACITY: 5 replica(s) on 5 FPGA(s). A rolling update starts the new pod before the old one stops, so an update needs 6 FPGAs',
    );
  });

  test('destroy keeps a pool other environments still use, and removes it with the last one', async () => {
    const first = fpgaContext(sb, 'fast', { cluster: cluster(), architecture: 'resnet50' });
    const out = await fpga().destroy(first);
    expect(out.removed).toContain('Deployment/featurizer-fast');
    expect(out.removed).not.toContain('agentPools/fpga');
    expect(first.logLines.join('\n')).toMatch(/node pool fpga is kept: still used by .*featurizer-fast2/);
    expect((await pools()).map((p) => p.name).sort()).toEqual(['fpga', 'system']);

    for (const env of ['fast2', 'stored', 'big']) {
      const ctx = fpgaContext(sb, env, { cluster: cluster(), architecture: 'resnet50' });
      expect((await fpga().destroy(ctx)).removed).not.toContain('agentPools/fpga');
    }
    const last = fpgaContext(sb, 'secure', { cluster: cluster(), architecture: 'resnet50' });
    const out2 = await fpga().destroy(last);
    expect(out2.removed).toContain('agentPools/fpga');
    expect((await pools()).map((p) => p.name)).toEqual(['system']);
  });
});
