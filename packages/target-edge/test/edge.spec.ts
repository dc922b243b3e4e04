import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { edge, validateManifest } from '../src/index.ts';
import { context, progress, secrets } from './harness.ts';

const plugin = edge();
let sb: Sandbox;
let dir: string;

// Devices: 0..199 'station' (every 20th fails, every 50th never reports), 200..209 'lab'.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-edge-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { edgeReportMs: 30 },
    fleet: {
      devices: {
        count: 210,
        tags: (i: number) => ({
          role: i < 200 ? 'station' : 'lab',
          ring: i % 10 === 0 ? 'canary' : 'main',
          n: i,
        }),
        behaviour: (i: number) =>
          i >= 200 ? 'ok' : i % 50 === 49 ? 'silent' : i % 20 === 19 ? 'fail' : 'ok',
      },
    },
  });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function deploy(ctx: ReturnType<typeof context>) {
  const plan = await plugin.plan(ctx);
  const applied = await plugin.apply(ctx, plan);
  try {
    return { plan, verified: await plugin.verify(ctx, applied, plan) };
  } catch (error) {
    await plugin.rollback(ctx, plan);
    return { plan, error: error as Error & { code: string } };
  }
}

test('one device: modules set directly, module status from the edge agent', async () => {
  const ctx = context(sb, { device: 'edge-00200' }, { environment: 'lab-one' });
  const { plan, verified } = await deploy(ctx);
  expect(plan.action).toBe('create');
  expect(verified?.details?.modules).toMatchObject({ scorer: { runtimeStatus: 'running' } });
  const status = await plugin.status(ctx);
  expect(status.state).toBe('serving');
  expect(status.version).toBe('1.0.0');
  expect((await plugin.plan(ctx)).action).toBe('noop');
  expect(await plugin.logs?.(ctx, {})).toMatch(
    /not available through the IoT Hub service API[\s\S]*scorer: running/,
  );
  expect((await plugin.destroy(ctx)).removed).toEqual(['edge-00200/scorer']);
  expect(secrets.some((s) => s.startsWith('HostName='))).toBe(true);
});

test('fleet by condition: the threshold decides, and a new version supersedes with a higher priority', async () => {
  // 10 lab devices all succeed.
  const v1 = context(sb, {
    fleet: { targetCondition: "tags.role = 'lab'", priority: 10 },
    successThreshold: 100,
  });
  const first = await deploy(v1);
  expect(first.plan.summary).toMatch(/reaching 10 devices now/);
  expect(first.verified?.details).toMatchObject({ applied: 10, succeeded: 10, failed: 0 });
  const v2 = context(
    sb,
    { fleet: { targetCondition: "tags.role = 'lab'", priority: 10 }, successThreshold: 100 },
    { version: '2.0.0' },
  );
  const second = await deploy(v2);
  expect(second.plan.desired.priority).toBe(11);
  expect(second.plan.previous?.id).toBe('dove-iris-edge-fleet-1-0-0');
  expect(second.plan.changes.some((c) => c.path.includes('DOVE_MODEL_VERSION'))).toBe(true);
  expect(second.verified?.details).toMatchObject({ applied: 10, succeeded: 10 });
  const status = await plugin.status(v2);
  expect(status).toMatchObject({ state: 'serving', version: '2.0.0' });
  expect((await plugin.destroy(v2)).removed.sort()).toEqual([
    'deployment/dove-iris-edge-fleet-1-0-0',
    'deployment/dove-iris-edge-fleet-2-0-0',
  ]);
});

test('failures within the threshold pass; above it the rollout fails and rolls back to the previous version', async () => {
  // 200 stations: 6 fail (every 20th except the silent ones), 4 never report.
  const settings = {
    fleet: { targetCondition: "tags.role = 'station'", priority: 5 },
    successThreshold: 90,
    deadlineSeconds: 3,
  };
  const ok = await deploy(context(sb, settings, { environment: 'stations' }));
  expect(ok.error).toBeUndefined();
  expect(ok.verified?.details).toMatchObject({ applied: 200 });
  const strict = context(
    sb,
    { ...settings, successThreshold: 99 },
    { environment: 'stations', version: '2.0.0' },
  );
  const bad = await deploy(strict);
  expect(bad.error?.code).toBe('EDGE_ROLLOUT_FAILED');
  // The new deployment is gone; the previous one serves again.
  const status = await plugin.status(context(sb, settings, { environment: 'stations' }));
  expect(status.version).toBe('1.0.0');
  expect(status.details?.deployments).toEqual([{ id: 'dove-iris-stations-1-0-0', priority: 5 }]);
  await plugin.destroy(strict);
});

test('devices that never report: the deadline decides', async () => {
  const ctx = context(
    sb,
    {
      fleet: { targetCondition: "tags.role = 'station' AND tags.n >= 40 AND tags.n < 50", priority: 1 },
      successThreshold: 100,
      deadlineSeconds: 0.5,
    },
    { environment: 'silent' },
  );
  // Device 49 never reports; none of 40..48 fails.
  const r = await deploy(ctx);
  expect(r.error?.code).toBe('EDGE_DEADLINE');
  expect(r.error?.message).toMatch(/9 of 10 devices report success, 0 failure, 1 pending/);
  expect(progress.length).toBeGreaterThan(0);
});

test('layered deployment adds the module on top of the base deployment', async () => {
  const base = context(
    sb,
    { fleet: { targetCondition: "tags.role = 'lab'", priority: 10 }, successThreshold: 100 },
    { environment: 'base' },
  );
  await deploy(base);
  const layer = context(
    sb,
    {
      fleet: { targetCondition: "tags.role = 'lab'", priority: 20, layered: true },
      module: 'featurizer',
      successThreshold: 100,
    },
    { environment: 'layer', image: 'example.azurecr.io/featurizer:1.0.0' },
  );
  const r = await deploy(layer);
  expect(r.plan.desired.content.$edgeAgent).toHaveProperty(['properties.desired.modules.featurizer']);
  expect(r.verified?.details).toMatchObject({ applied: 10, succeeded: 10 });
  const device = context(sb, { device: 'edge-00201', module: 'featurizer' }, { environment: 'probe' });
  expect((await plugin.status(device)).state).toBe('serving');
  const scorer = context(sb, { device: 'edge-00201', module: 'scorer' }, { environment: 'probe' });
  expect((await plugin.status(scorer)).state).toBe('serving');
  await plugin.destroy(layer);
  await plugin.destroy(base);
});

test('bad manifests are refused before anything is sent', async () => {
  const ctx = context(sb, {
    fleet: { targetCondition: "tags.role = 'lab'" },
    routes: { bad: 'FROM somewhere INTO nowhere' },
    createOptions: { extra: { Labels: { big: 'x'.repeat(5000) } } },
  });
  await expect(plugin.plan(ctx)).rejects.toMatchObject({
    code: 'EDGE_BAD_MANIFEST',
    message: expect.stringMatching(/route bad[\s\S]*createOptions is \d+\+ characters; at most 4096/),
  });
  expect(ctx.requests.snapshot().reads + ctx.requests.snapshot().writes).toBe(0);
  expect(() => context(sb, { device: 'x', fleet: { targetCondition: '*' } })).toThrow(
    /exactly one of device/,
  );
  expect(() => context(sb, { device: 'x', module: '$edgeHub' })).toThrow(/module names/);
  expect(validateManifest({ $edgeAgent: {} }, { layered: false })).toContain(
    '$edgeAgent: properties.desired is missing',
  );
});

test('a wrong hub key is a clear error that does not show the key', async () => {
  const ctx = context(sb, { device: 'edge-00205' });
  ctx.config.hub.connectionString = ctx.config.hub.connectionString.replace(
    /SharedAccessKey=[^;]+/,
    `SharedAccessKey=${Buffer.alloc(32, 7).toString('base64')}`,
  );
  const error = (await plugin.plan(ctx).catch((e: unknown) => e)) as Error & { code: string };
  expect(error.code).toBe('EDGE_UNAUTHORIZED');
  expect(error.message).not.toContain(Buffer.alloc(32, 7).toString('base64'));
});

test('a busy hub: reads are retried, a refused write is a clear error', async () => {
  sb.faults.add({
    api: 'iothub',
    method: 'GET',
    pathIncludes: '/configurations',
    times: 2,
    fault: { type: 'status', status: 503 },
  });
  const ctx = context(sb, { fleet: { targetCondition: "tags.role = 'lab'" } }, { environment: 'busy' });
  const plan = await plugin.plan(ctx);
  expect(plan.action).toBe('create');
  // 3 attempts to list deployments (2 refused) + the COUNT query, a POST that only reads.
  expect(ctx.requests.snapshot().reads).toBe(4);
  // A create that keeps failing (each retry after reading back that the last did not happen).
  sb.faults.add({
    api: 'iothub',
    method: 'PUT',
    pathIncludes: '/configurations',
    times: 3,
    fault: { type: 'status', status: 500 },
  });
  await expect(plugin.apply(ctx, plan)).rejects.toMatchObject({ code: 'EDGE_HUB_UNAVAILABLE' });
  sb.faults.clear();
});

test('a throttled or dropped create is retried safely: one deployment, created once', async () => {
  const hubPuts = () =>
    sb
      .requests()
      .filter((r) => r.api === 'iothub' && r.method === 'PUT' && r.path.includes('/configurations'));
  // 429 with Retry-After: the hub refused before applying anything, so the write is sent again.
  const throttled = context(
    sb,
    { fleet: { targetCondition: "tags.role = 'lab'" } },
    { environment: 'throttled' },
  );
  const plan1 = await plugin.plan(throttled);
  sb.resetRequests();
  sb.faults.add({
    api: 'iothub',
    method: 'PUT',
    pathIncludes: '/configurations',
    times: 1,
    fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
  });
  await plugin.apply(throttled, plan1);
  expect(hubPuts().length).toBe(2);
  sb.faults.clear();

  // A dropped connection: the create may or may not have happened; Dove reads it back first.
  const dropped = context(
    sb,
    { fleet: { targetCondition: "tags.role = 'lab'" } },
    { environment: 'dropped' },
  );
  const plan2 = await plugin.plan(dropped);
  sb.faults.add({
    api: 'iothub',
    method: 'PUT',
    pathIncludes: '/configurations',
    times: 1,
    fault: { type: 'drop' },
  });
  await plugin.apply(dropped, plan2);
  sb.faults.clear();
  const ids = (await plugin.status!(dropped)) as { state: string };
  expect(ids.state).not.toBe('absent');
  await plugin.destroy!(throttled);
  await plugin.destroy!(dropped);
});
