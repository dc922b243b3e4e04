import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { SANDBOX_CLUSTER, SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { aks } from '../src/plugin.ts';
import { sandboxContext } from './context.ts';

const run = promisify(execFile);
// The sandbox serves a Kubernetes API per cluster once its `kube` part is present.
const sandboxSrc = dirname(createRequire(import.meta.url).resolve('@dove/sandbox/package.json'));
const kubePresent = existsSync(join(sandboxSrc, 'src', 'kube', 'index.ts'));

const CRASH = 'example.azurecr.io/broken/crash:1';
const BAD_SCORE = 'example.azurecr.io/broken/bad-score:1';

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  if (!kubePresent) return;
  dir = mkdtempSync(join(tmpdir(), 'dove-aks-deploy-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { provisionMs: 20, containerStartMs: 50 },
    images: {
      [CRASH]: {
        command: ['{node}', '-e', 'console.error("model file missing: model.pkl"); process.exit(3)'],
      },
      [BAD_SCORE]: {
        command: [
          '{node}',
          '-e',
          "require('node:http').createServer((q, s) => { const bad = q.url.startsWith('/score'); s.statusCode = bad ? 500 : 200; s.end(bad ? 'scoring failed' : 'Healthy'); }).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1')",
        ],
      },
    },
  });
});
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cluster = () => ({ resourceGroup: SANDBOX_RESOURCE_GROUP, name: SANDBOX_CLUSTER });

async function deploy(settings: Record<string, unknown>, o: { version: string; image?: string }) {
  const ctx = sandboxContext(sb, { cluster: cluster(), ...settings }, o);
  const target = aks({ pollMs: 50 });
  const plan = await target.plan(ctx);
  if (plan.action === 'noop') return { ctx, plan, target };
  const applied = await target.apply(ctx, plan);
  try {
    const verified = await target.verify(ctx, applied, plan);
    return { ctx, plan, target, verified };
  } catch (err) {
    await target.rollback(ctx, plan);
    throw err;
  }
}

async function score(uri: string, key?: string) {
  const res = await fetch(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
  });
  return res.status;
}

describe.skipIf(!kubePresent)('AKS deploys against the sandbox', () => {
  test('rolling: deploy to the existing cluster, score it, then a no-op redeploy writes nothing', async () => {
    const first = await deploy({ name: 'roll', replicas: 2 }, { version: '1.0.0' });
    expect(first.plan.action).toBe('create');
    const uri = first.verified!.endpoint!.scoringUri;
    expect(first.verified!.smoke!.ok).toBe(true);
    expect(await score(uri, first.verified!.endpoint!.auth?.primaryKey)).toBe(200);
    // Key auth is on by default: the scorer reads the keys from the Secret, so no key → 401.
    expect(await score(uri)).toBe(401);
    expect(await score(uri, 'not-the-key')).toBe(401);

    const again = await deploy({ name: 'roll', replicas: 2 }, { version: '1.0.0' });
    expect(again.plan.action).toBe('noop');
    expect(again.ctx.requests.snapshot().byApi.k8s?.writes ?? 0).toBe(0);
    // ARM too: fetching the cluster's credentials is a POST that only reads.
    expect(again.ctx.requests.snapshot().writes).toBe(0);

    const kubeconfig = sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER]!;
    const got = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'deploy', 'roll', '-o', 'json']);
    expect(JSON.parse(got.stdout).metadata.annotations['dove.dev/model-version']).toBe('1.0.0');
    const status = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'rollout',
      'status',
      'deploy/roll',
      '--timeout=30s',
    ]);
    expect(status.stdout).toMatch(/successfully rolled out/);
  });

  test('a kubeconfig the user provides is used without ARM', async () => {
    const kubeconfig = sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER]!;
    const r = await deploy({ cluster: undefined, kubeconfig, name: 'kc' }, { version: '1.0.0' });
    expect(r.verified!.smoke!.ok).toBe(true);
    expect(r.ctx.requests.snapshot().byApi.arm).toBeUndefined();
  });

  test('a version whose pods crash fails with the cause and the previous version keeps serving', async () => {
    const settings = { name: 'crash', progressDeadlineSeconds: 10 };
    const good = await deploy(settings, { version: '1.0.0' });
    const uri = good.verified!.endpoint!.scoringUri;
    const key = good.verified!.endpoint!.auth?.primaryKey;
    await expect(deploy(settings, { version: '2.0.0', image: CRASH })).rejects.toThrow(
      /CrashLoopBackOff|Error[\s\S]*model file missing/,
    );
    expect(await score(uri, key)).toBe(200);
    const status = await good.target.status(sandboxContext(sb, { cluster: cluster(), name: 'crash' }));
    expect(status.version).toBe('1.0.0');
  });

  test('a version whose smoke test fails is rolled back', async () => {
    const good = await deploy({ name: 'smoke', progressDeadlineSeconds: 10 }, { version: '1.0.0' });
    await expect(
      deploy({ name: 'smoke', progressDeadlineSeconds: 10 }, { version: '2.0.0', image: BAD_SCORE }),
    ).rejects.toThrow(/smoke test of smoke failed: expected HTTP 200, got 500/);
    const status = await good.target.status(sandboxContext(sb, { cluster: cluster(), name: 'smoke' }));
    expect(status.version).toBe('1.0.0');
    expect(status.state).toBe('serving');
  });

  test('autoscale creates a HorizontalPodAutoscaler', async () => {
    await deploy(
      { name: 'auto', autoscale: { min: 2, max: 4, targetUtilization: 60 } },
      { version: '1.0.0' },
    );
    const kubeconfig = sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER]!;
    const { stdout } = await run('kubectl', ['--kubeconfig', kubeconfig, 'get', 'hpa', 'auto', '-o', 'json']);
    const hpa = JSON.parse(stdout);
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 4]);
  });

  test('blue-green: the new slot is verified on the preview, promote switches, reject drops', async () => {
    const settings = { name: 'bg', replicas: 1, strategy: { type: 'blue-green' } };
    const v1 = await deploy(settings, { version: '1.0.0' });
    expect(v1.plan.desired.deployment).toBe('bg-blue');
    const v2 = await deploy(settings, { version: '2.0.0' });
    expect(v2.plan.desired.deployment).toBe('bg-green');
    const ctx = sandboxContext(sb, { cluster: cluster(), ...settings }, { version: '2.0.0' });
    expect((await v2.target.status(ctx)).version).toBe('1.0.0');
    expect((await v2.target.promote!(ctx)).version).toBe('2.0.0');
    await deploy(settings, { version: '3.0.0' });
    expect((await v2.target.reject!(ctx)).version).toBe('2.0.0');
  });

  test('canary: a weighted canary beside stable, promote and reject', async () => {
    const settings = { name: 'can', replicas: 3, strategy: { type: 'canary', weight: 25 } };
    await deploy(settings, { version: '1.0.0' });
    const v2 = await deploy(settings, { version: '2.0.0' });
    expect(v2.plan.desired.deployment).toBe('can-canary');
    const ctx = sandboxContext(sb, { cluster: cluster(), ...settings }, { version: '2.0.0' });
    expect((await v2.target.status(ctx)).details?.canary).toBe('2.0.0');
    expect((await v2.target.promote!(ctx)).version).toBe('2.0.0');
    await deploy(settings, { version: '3.0.0' });
    const rejected = await v2.target.reject!(ctx);
    expect(rejected.version).toBe('2.0.0');
    expect(rejected.details?.canary).toBeUndefined();
  });
});
