import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudProfile, DoveSpec, ModelDelivery } from '@dove/deploy-core';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Hub } from '../src/hub.ts';
import { edge } from '../src/index.ts';
import { context, secrets } from './harness.ts';

const plugin = edge();
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
let sb: Sandbox;
let dir: string;
let delivery: ModelDelivery;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-edge-model-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: true,
    delays: { edgeReportMs: 20 },
    fleet: { devices: { count: 3, tags: () => ({ role: 'lab' }), behaviour: () => 'ok' } },
  });
  const scoring = { image: 'x', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} };
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
  if (!d?.sasToken) throw new Error('the model store delivered no SAS');
  delivery = d;
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function withDelivery(ctx: ReturnType<typeof context>, d: ModelDelivery = delivery) {
  ctx.modelDelivery = d;
  return ctx;
}

const moduleEnv = (content: Record<string, Record<string, unknown>>, path: string[]) => {
  let v: unknown = content;
  for (const k of path) v = (v as Record<string, unknown>)[k];
  return (v as { env: Record<string, { value: string }> }).env;
};

test('one device: the module env carries the URI and SAS; the plan never shows the SAS', async () => {
  const ctx = withDelivery(context(sb, { device: 'edge-00000' }, { environment: 'dev-one' }));
  const plan = await plugin.plan(ctx);
  expect(plan.action).toBe('create');
  const env = moduleEnv(plan.desired.content, ['$edgeAgent', 'properties.desired', 'modules', 'scorer']);
  expect(env.DOVE_MODEL_URI).toEqual({ value: delivery.uri });
  expect(env.DOVE_MODEL_SAS).toEqual({ value: delivery.sasToken });
  expect(secrets).toContain(delivery.sasToken);
  const shown = JSON.stringify(plan.changes);
  expect(shown).toContain(delivery.uri);
  expect(shown).not.toContain(delivery.sasToken!);
  await plugin.verify(ctx, await plugin.apply(ctx, plan), plan);

  // A fresh SAS for the same model changes nothing; a new model URI updates the module.
  const fresh = { ...delivery, sasToken: 'sv=2025-01-05&sig=fresh' };
  expect(
    (
      await plugin.plan(
        withDelivery(context(sb, { device: 'edge-00000' }, { environment: 'dev-one' }), fresh),
      )
    ).action,
  ).toBe('noop');
  const next = { ...delivery, uri: delivery.uri.replace('/1.0.0', '/1.0.1') };
  const update = await plugin.plan(
    withDelivery(context(sb, { device: 'edge-00000' }, { environment: 'dev-one' }), next),
  );
  expect(update.action).toBe('update');
  expect(update.changes.map((c) => c.path)).toEqual(['modules.scorer.env.DOVE_MODEL_URI.value']);
  expect(JSON.stringify(update.changes)).not.toContain(delivery.sasToken!);
  await plugin.destroy(ctx);
});

test('fleet: the deployment content carries both values, the plan masks the SAS', async () => {
  const settings = { fleet: { targetCondition: "tags.role = 'lab'", priority: 10 }, successThreshold: 100 };
  const ctx = withDelivery(context(sb, settings, { environment: 'fleet-model' }));
  const plan = await plugin.plan(ctx);
  const env = moduleEnv(plan.desired.content, ['$edgeAgent', 'properties.desired', 'modules', 'scorer']);
  expect(env.DOVE_MODEL_URI?.value).toBe(delivery.uri);
  expect(env.DOVE_MODEL_SAS?.value).toBe(delivery.sasToken);
  const shown = JSON.stringify(plan.changes);
  expect(shown).toContain(delivery.uri);
  expect(shown).not.toContain(delivery.sasToken!);
  const verified = await plugin.verify(ctx, await plugin.apply(ctx, plan), plan);
  expect(verified.details).toMatchObject({ applied: 3, succeeded: 3 });
  const again = await plugin.plan(
    withDelivery(context(sb, settings, { environment: 'fleet-model' }), {
      ...delivery,
      sasToken: 'sv=x&sig=y',
    }),
  );
  expect(again.action).toBe('noop');
  await plugin.destroy(ctx);
});

test('devices download the model for real: a SAS that cannot read it fails the deploy on the devices', async () => {
  const settings = {
    fleet: { targetCondition: "tags.role = 'lab'", priority: 30 },
    successThreshold: 100,
    deadlineSeconds: 20,
  };
  // A token map for other blobs: every download is refused by the store (HTTP 403).
  const map = JSON.parse(delivery.sasToken!) as Record<string, string>;
  const forged = Object.fromEntries(Object.keys(map).map((k) => [k, 'sv=2025-01-05&sr=b&sp=r&sig=forged']));
  const ctx = withDelivery(context(sb, settings, { environment: 'fleet-bad-sas' }), {
    ...delivery,
    sasToken: JSON.stringify(forged),
  });
  const plan = await plugin.plan(ctx);
  const applied = await plugin.apply(ctx, plan);
  const error = (await plugin.verify(ctx, applied, plan).catch((e: unknown) => e)) as Error;
  expect(error).toBeInstanceOf(Error);
  // With a 100 % threshold the first failing device decides; the others may still be pending.
  expect(error.message).toMatch(/0 of 3 devices report success, [123] failure/);
  // Each device says why, as a real edge agent does, in its reported module status.
  const hub = new Hub(ctx);
  let agent = await hub.agent('edge-00001');
  // Until the device has reported on its current content (not an earlier deployment's).
  for (let i = 0; i < 100 && agent.report.lastDesiredVersion !== agent.report.desiredVersion; i++) {
    await new Promise((r) => setTimeout(r, 100));
    agent = await hub.agent('edge-00001');
  }
  expect(agent.report.modules.scorer?.statusDescription).toMatch(
    /refusing to serve: cannot download .*manifest\.json: HTTP 403/,
  );
  await plugin.destroy(ctx);

  // With the store's own SAS the same fleet downloads, verifies sha256 and runs.
  const good = withDelivery(context(sb, settings, { environment: 'fleet-good-sas' }));
  const p2 = await plugin.plan(good);
  const verified = await plugin.verify(good, await plugin.apply(good, p2), p2);
  expect(verified.details).toMatchObject({ applied: 3, succeeded: 3 });
  await plugin.destroy(good);
}, 60_000);
