import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { CloudProfile, DoveSpec, ModelDelivery } from '@dove/deploy-core';
import { SANDBOX_CLUSTER, SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildDesired, isNoop } from '../src/desired.ts';
import type { Manifest } from '../src/manifests.ts';
import { aks } from '../src/plugin.ts';
import { IRIS_IMAGE, sandboxContext } from './context.ts';

const run = promisify(execFile);
const sandboxSrc = dirname(createRequire(import.meta.url).resolve('@dove/sandbox/package.json'));
const kubePresent = existsSync(join(sandboxSrc, 'src', 'kube', 'index.ts'));
const irisModel = fileURLToPath(new URL('../../../examples/iris/model', import.meta.url));

/**
 * `modelStoreHook` of `@dove/model-store`, loaded by name at run time: the model store is not a
 * declared dependency of this package, and a static import would add it to the Nx project graph
 * (and to the tsconfig references `nx sync` demands).
 */
type Hook = (request: {
  spec: DoveSpec;
  model: DoveSpec['model'] & { version: string };
  specHash: string;
  cloud: CloudProfile;
}) => Promise<ModelDelivery | undefined>;
async function modelStoreHook(): Promise<Hook> {
  const name = '@dove/model-store';
  const m = (await import(name)) as { modelStoreHook(): Hook };
  return m.modelStoreHook();
}

type Env = { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } };
const containerOf = (d: Manifest) =>
  (d.spec as { template: { spec: { containers: { env: Env[]; envFrom?: unknown[] }[] } } }).template.spec
    .containers[0]!;

let sb: Sandbox;
let dir: string;
let delivery: ModelDelivery;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-aks-model-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: true,
    delays: { provisionMs: 20, containerStartMs: 50 },
  });
  const scoring = { image: IRIS_IMAGE, port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} };
  const spec = {
    apiVersion: 'dove/v1',
    model: { name: 'iris', version: '1.0.0', path: irisModel },
    scoring,
    targets: {},
  } satisfies DoveSpec;
  const d = await (await modelStoreHook())({
    spec,
    model: spec.model,
    specHash: 'h',
    cloud: sb.profile as CloudProfile,
  });
  if (!d) throw new Error('the model store delivered nothing');
  delivery = d;
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cluster = () => ({ resourceGroup: SANDBOX_RESOURCE_GROUP, name: SANDBOX_CLUSTER });

function ctxWith(settings: Record<string, unknown>, d: ModelDelivery | null = delivery, version?: string) {
  const masked: string[] = [];
  const ctx = sandboxContext(sb, { cluster: cluster(), ...settings }, version ? { version } : {});
  if (d) ctx.modelDelivery = d;
  ctx.secret = (v) => {
    masked.push(v);
    return v;
  };
  return { ctx, masked };
}

describe('AKS manifests carry the model delivery', () => {
  test('DOVE_MODEL_URI is plain env, the SAS only in the Secret, by secretKeyRef', () => {
    expect(delivery.sasToken).toBeTruthy();
    const { ctx, masked } = ctxWith({ name: 'unit', auth: { enabled: false } });
    const desired = buildDesired(ctx, { deployments: {}, others: {} }, undefined, false);
    expect(masked).toContain(delivery.sasToken);
    const secret = desired.objects.find((m) => m.kind === 'Secret')!;
    expect(secret.metadata.name).toBe('unit-env');
    const data = secret.data as Record<string, string>;
    expect(Buffer.from(data.DOVE_MODEL_SAS!, 'base64').toString()).toBe(delivery.sasToken);
    const deployment = desired.objects.find((m) => m.kind === 'Deployment')!;
    const env = containerOf(deployment).env;
    expect(env.find((e) => e.name === 'DOVE_MODEL_URI')?.value).toBe(delivery.uri);
    expect(env.find((e) => e.name === 'DOVE_MODEL_SAS')).toEqual({
      name: 'DOVE_MODEL_SAS',
      valueFrom: { secretKeyRef: { name: 'unit-env', key: 'DOVE_MODEL_SAS' } },
    });
    // No plain value anywhere in the Deployment.
    expect(JSON.stringify(deployment)).not.toContain(delivery.sasToken!);
  });

  test('a new model URI changes the hash (redeploy); a fresh SAS alone does not', () => {
    const { ctx } = ctxWith({ name: 'unit' });
    const live = buildDesired(ctx, { deployments: {}, others: {} }, undefined, false);
    const byKind = (k: string) => live.objects.find((m) => m.kind === k)!;
    const state = { deployments: { stable: byKind('Deployment') }, service: byKind('Service'), others: {} };
    expect(isNoop(ctx, state)).toBe(true);
    expect(isNoop(ctxWith({ name: 'unit' }, { ...delivery, sasToken: 'sv=fresh' }).ctx, state)).toBe(true);
    const next = { ...delivery, uri: delivery.uri.replace('/1.0.0/', '/1.0.1/') };
    expect(isNoop(ctxWith({ name: 'unit' }, next).ctx, state)).toBe(false);
    expect(isNoop(ctxWith({ name: 'unit' }, null).ctx, state)).toBe(false);
  });
});

describe.skipIf(!kubePresent)('AKS delivers the model against the sandbox', () => {
  test('the pod gets DOVE_MODEL_URI and the SAS by secretKeyRef, and the endpoint scores', async () => {
    const { ctx } = ctxWith({ name: 'delivered', auth: { enabled: false } });
    const target = aks({ pollMs: 50 });
    const plan = await target.plan(ctx);
    expect(plan.action).toBe('create');
    expect(JSON.stringify(plan.changes)).not.toContain(delivery.sasToken!);
    const applied = await target.apply(ctx, plan);
    const verified = await target.verify(ctx, applied, plan);
    expect(verified.smoke?.ok).toBe(true);
    const res = await fetch(verified.endpoint!.scoringUri, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
    });
    expect(res.status).toBe(200);

    const kubeconfig = sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER]!;
    const got = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'pods',
      '-l',
      'app.kubernetes.io/name=delivered',
      '-o',
      'json',
    ]);
    const pods = JSON.parse(got.stdout).items as { spec: { containers: { env: Env[] }[] } }[];
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) {
      const env = pod.spec.containers[0]!.env;
      expect(env.find((e) => e.name === 'DOVE_MODEL_URI')?.value).toBe(delivery.uri);
      const sas = env.find((e) => e.name === 'DOVE_MODEL_SAS');
      expect(sas?.value).toBeUndefined();
      expect(sas?.valueFrom?.secretKeyRef).toEqual({ name: 'delivered-env', key: 'DOVE_MODEL_SAS' });
    }

    // The scoring server fetched the model from the store with the SAS.
    const logs = await run('kubectl', ['--kubeconfig', kubeconfig, 'logs', 'deploy/delivered']);
    expect(logs.stdout).toContain(
      `model iris 1.0.0 loaded from ${delivery.uri.split('?')[0]!.replace(/\/$/, '')}`,
    );
    expect(logs.stdout + logs.stderr).not.toContain(delivery.sasToken!);

    // Same model again: nothing to do.
    const again = await target.plan(ctxWith({ name: 'delivered', auth: { enabled: false } }).ctx);
    expect(again.action).toBe('noop');
  }, 60_000);

  test('a failed new model version rolls back, and the Secret reads the restored version again', async () => {
    const v2 = await (await modelStoreHook())({
      spec: {
        apiVersion: 'dove/v1',
        model: { name: 'iris', version: '2.0.0', path: irisModel },
        scoring: { image: IRIS_IMAGE, port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
        targets: {},
      },
      model: { name: 'iris', version: '2.0.0', path: irisModel },
      specHash: 'h2',
      cloud: sb.profile as CloudProfile,
    });
    expect(v2?.uri).toContain('/iris/2.0.0/');
    const target = aks({ pollMs: 50 });
    const settings = { name: 'model-back', auth: { enabled: false } };
    const first = ctxWith(settings).ctx;
    const p1 = await target.plan(first);
    await target.verify(first, await target.apply(first, p1), p1);

    // Version 2 answers its sample with a 500: verify fails and the rollback restores version 1.
    const second = ctxWith({ ...settings, env: { DOVE_FAULT: 'score-500' } }, v2!, '2.0.0').ctx;
    const p2 = await target.plan(second);
    const applied = await target.apply(second, p2);
    await expect(target.verify(second, applied, p2)).rejects.toThrow();
    await target.rollback(second, p2);

    // The Secret's SAS must read version 1 (what the restored pods download when they restart),
    // not version 2's SAS, which the store refuses for version 1's blobs.
    const kubeconfig = sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER]!;
    const got = await run('kubectl', [
      '--kubeconfig',
      kubeconfig,
      'get',
      'secret',
      'model-back-env',
      '-o',
      'json',
    ]);
    const sas = Buffer.from(JSON.parse(got.stdout).data.DOVE_MODEL_SAS, 'base64').toString();
    const read = (token: string) =>
      fetch(`${delivery.uri}manifest.json?${JSON.parse(token)['manifest.json']}`);
    expect((await read(sas)).status).toBe(200);
    expect((await read(v2!.sasToken!)).status).toBe(403);
  }, 60_000);
});
