import type { Sandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { aciConfigSchema } from '../src/schema.ts';
import { deploy, makeContext, plugin, startTestSandbox } from './harness.ts';

let env: Awaited<ReturnType<typeof startTestSandbox>>;
let sb: Sandbox;
beforeAll(async () => {
  env = await startTestSandbox();
  sb = env.sb;
});
afterAll(async () => env?.stop());

const t = plugin();
const writes = () => sb.requests().filter((r) => r.api === 'arm' && !['GET', 'HEAD'].includes(r.method));

async function score(ctx: ReturnType<typeof makeContext>['ctx'], key?: string) {
  const st = await t.status(ctx);
  const uri = st.endpoint?.scoringUri as string;
  const { endpointFetch } = await import('../src/endpoint.ts');
  const res = await endpointFetch(ctx.cloud, uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ data: [[6.7, 3.0, 5.2, 2.3]] }),
  });
  return { status: res.status, body: await res.text(), uri };
}

test('first deploy, no-op redeploy with zero writes, update in place, replace, status, logs, destroy', async () => {
  const settings = {
    auth: { enabled: true, primaryKey: 'primary-key-0123456789', secondaryKey: 'second-key-0123456789' },
  };
  const first = makeContext(sb, settings);
  const r1 = await deploy(t, first.ctx);
  expect(r1.outcome).toBe('succeeded');
  expect(r1.plan.action).toBe('create');
  expect(r1.verified?.smoke?.ok).toBe(true);
  expect(r1.verified?.endpoint?.scoringUri).toMatch(
    /^http:\/\/iris-classifier-dev-[0-9a-f]{6}\.westeurope\.azurecontainer\.io:5001\/score$/,
  );
  expect(first.secrets).toContain('primary-key-0123456789');
  const scored = await score(first.ctx, 'primary-key-0123456789');
  expect(scored.status).toBe(200);
  expect(JSON.parse(scored.body)).toHaveProperty('result');
  expect((await score(first.ctx)).status).toBe(401);

  sb.resetRequests();
  const again = makeContext(sb, settings);
  const r2 = await deploy(t, again.ctx);
  expect(r2.outcome).toBe('noop');
  expect(writes()).toEqual([]);
  expect(again.ctx.requests.snapshot().writes).toBe(0);

  const changed = makeContext(sb, { ...settings, env: { LOG_LEVEL: 'debug' } }, '1.1.0');
  const r3 = await deploy(t, changed.ctx);
  expect(r3.plan.action).toBe('update');
  expect(r3.plan.changes.map((c) => c.path)).toEqual(
    expect.arrayContaining(['model.version', 'env.LOG_LEVEL']),
  );
  expect(r3.outcome).toBe('succeeded');
  expect((await t.status(changed.ctx)).version).toBe('1.1.0');

  const bigger = makeContext(sb, { ...settings, env: { LOG_LEVEL: 'debug' }, cpu: 2 }, '1.1.0');
  const r4 = await deploy(t, bigger.ctx);
  expect(r4.plan.action).toBe('replace');
  expect(r4.plan.changes.find((c) => c.path === 'containers[0].resources.cpu')).toMatchObject({
    before: 1,
    after: 2,
    replace: true,
  });
  expect(r4.plan.warnings.join()).toContain('deleted and created again');
  expect(r4.outcome).toBe('succeeded');
  const st = await t.status(bigger.ctx);
  expect(st.state).toBe('serving');
  expect(st.endpoint?.auth?.primaryKey).toBe('primary-key-0123456789');
  expect(typeof (await t.logs?.(bigger.ctx, { tail: 10 }))).toBe('string');

  expect((await t.destroy(bigger.ctx)).removed).toHaveLength(1);
  expect((await t.status(bigger.ctx)).state).toBe('absent');
});

test('crash on start and smoke-test failure: logs in the error, the previous version still serves after rollback', async () => {
  const base = { name: 'iris-rollback' };
  const ok = makeContext(sb, base);
  expect((await deploy(t, ok.ctx)).outcome).toBe('succeeded');

  const crash = makeContext(sb, { ...base, env: { DOVE_FAULT: 'crash-on-start' } }, '2.0.0');
  const r = await deploy(t, crash.ctx);
  expect(r.outcome).toBe('rolled-back');
  expect(r.error?.code).toBe('ACI_CONTAINER_CRASHED');
  expect(r.error?.message).toContain('crashing on start on purpose');
  expect(r.error?.message).toContain('BackOff');
  const after = await t.status(ok.ctx);
  expect(after.version).toBe('1.0.0');
  expect(after.state).toBe('serving');
  expect((await score(ok.ctx)).status).toBe(200);

  const bad = makeContext(sb, { ...base, env: { DOVE_FAULT: 'score-500' } }, '2.0.1');
  const r2 = await deploy(t, bad.ctx);
  expect(r2.outcome).toBe('rolled-back');
  expect(r2.error?.code).toBe('ACI_SMOKE_FAILED');
  expect(r2.error?.message).toContain('expected HTTP 200, got 500');
  expect((await score(ok.ctx)).status).toBe(200);
  expect((await t.status(ok.ctx)).version).toBe('1.0.0');
  await t.destroy(ok.ctx);
});

test('first-deploy failure leaves nothing behind; 429/5xx storms are retried; bad settings fail fast', async () => {
  const { ctx } = makeContext(sb, { name: 'iris-first-crash', env: { DOVE_FAULT: 'crash-on-start' } });
  const r = await deploy(t, ctx);
  expect(r.outcome).toBe('rolled-back');
  expect((await t.status(ctx)).state).toBe('absent');

  sb.faults.add({
    api: 'arm',
    method: 'PUT',
    pathIncludes: 'containerGroups',
    times: 2,
    fault: { type: 'status', status: 429, retryAfterSeconds: 0 },
  });
  sb.faults.add({
    api: 'arm',
    method: 'GET',
    pathIncludes: 'containerGroups',
    times: 3,
    fault: { type: 'status', status: 503 },
  });
  const storm = makeContext(sb, { name: 'iris-storm' });
  const rs = await deploy(t, storm.ctx);
  expect(rs.outcome).toBe('succeeded');
  expect(sb.requests().filter((x) => x.status === 429 || x.status === 503).length).toBeGreaterThanOrEqual(5);
  await t.destroy(storm.ctx);

  const parsed = aciConfigSchema.safeParse({
    subscription: 's',
    resourceGroup: 'rg',
    location: 'westeurope',
    cpu: 8,
    name: 'Bad--Name',
  });
  expect(parsed.success).toBe(false);
  const msgs = parsed.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n');
  expect(msgs).toMatch(/cpu: 8 CPU is above the 4 CPU/);
  expect(msgs).toMatch(/name: /);

  const rgMissing = makeContext(sb, { resourceGroup: 'no-such-rg', name: 'iris-x' });
  await expect(t.plan(rgMissing.ctx)).rejects.toMatchObject({ code: 'ACI_INVALID_SETTINGS' });
});

test('an image Azure cannot pull fails the first deploy with what to fix, and leaves nothing', async () => {
  const { ctx } = makeContext(sb, { name: 'iris-nopull' });
  const bad = { ...ctx, scoring: { ...ctx.scoring, image: 'nowhere.example/none:1' } };
  const r = await deploy(t, bad);
  expect(r.outcome).toBe('rolled-back');
  expect(r.error?.code).toBe('ACI_INVALID_SETTINGS');
  expect(r.error?.message).toContain('InaccessibleImage');
  expect((r.error as { hint?: string }).hint).toContain('scoring.image');
  expect((await t.status(bad)).state).toBe('absent');
});

test('Azure refusals fail fast with what to change: DNS label taken, no capacity for the request', async () => {
  const a = makeContext(sb, { name: 'iris-label-a', dnsNameLabel: 'shared-label' });
  expect((await deploy(t, a.ctx)).outcome).toBe('succeeded');
  const b = makeContext(sb, { name: 'iris-label-b', dnsNameLabel: 'shared-label' });
  const rb = await deploy(t, b.ctx);
  expect(rb.error?.code).toBe('ACI_INVALID_SETTINGS');
  expect((rb.error as { hint?: string }).hint).toContain('dnsNameLabel');
  expect((await t.status(b.ctx)).state).toBe('absent');
  await t.destroy(a.ctx);

  sb.faults.add({
    api: 'arm',
    method: 'PUT',
    pathIncludes: 'containerGroups/iris-capacity',
    times: 1,
    fault: {
      type: 'failOperation',
      code: 'ServiceUnavailable',
      message: "The requested resource is not available in the location 'westeurope' at this moment.",
    },
  });
  const c = makeContext(sb, { name: 'iris-capacity', cpu: 4, memoryInGB: 14 });
  const rc = await deploy(t, c.ctx);
  expect(rc.error?.code).toBe('ACI_QUOTA');
  expect((rc.error as { hint?: string }).hint).toContain('Lower cpu/memoryInGB');
  expect((await t.status(c.ctx)).state).toBe('absent');
});

test('a failed replace is rolled back by re-creating the previous group', async () => {
  const ok = makeContext(sb, { name: 'iris-replace-back' });
  expect((await deploy(t, ok.ctx)).outcome).toBe('succeeded');
  const broken = makeContext(
    sb,
    { name: 'iris-replace-back', cpu: 2, env: { DOVE_FAULT: 'crash-on-start' } },
    '3.0.0',
  );
  const r = await deploy(t, broken.ctx);
  expect(r.plan.action).toBe('replace');
  expect(r.outcome).toBe('rolled-back');
  const st = await t.status(ok.ctx);
  expect(st).toMatchObject({ state: 'serving', version: '1.0.0' });
  const plan = await t.plan(ok.ctx);
  expect(plan.action).toBe('noop');
  expect((await score(ok.ctx)).status).toBe(200);
  await t.destroy(ok.ctx);
});
