import type { Sandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { endpointFetch } from '../src/endpoint.ts';
import { deploy, makeContext, plugin, startTestSandbox } from './harness.ts';

let env: Awaited<ReturnType<typeof startTestSandbox>>;
let sb: Sandbox;
beforeAll(async () => {
  env = await startTestSandbox();
  sb = env.sb;
});
afterAll(async () => env?.stop());

const t = plugin();
const KEY = 'rollback-key-0123456789';
const SECRET = 'db-password-never-shown';

test('secure values: masked, absent from plans and from Azure reads, re-supplied on rollback', async () => {
  const settings = {
    name: 'iris-secure',
    auth: { enabled: true, primaryKey: KEY },
    secureEnv: { DB_PASSWORD: SECRET },
  };
  const first = makeContext(sb, settings);
  const r1 = await deploy(t, first.ctx);
  expect(r1.outcome).toBe('succeeded');
  expect(first.secrets).toEqual(expect.arrayContaining([KEY, SECRET]));
  expect(
    JSON.stringify({ plan: r1.plan.changes, summary: r1.plan.summary, warnings: r1.plan.warnings }),
  ).not.toContain(SECRET);
  const st = await t.status(first.ctx);
  expect(JSON.stringify(st.details)).not.toContain(SECRET);

  // A failed update is rolled back; the previous definition needs its secure values again
  // (Azure never returned them): the restored server still demands the same key.
  const crash = makeContext(sb, { ...settings, env: { DOVE_FAULT: 'crash-on-start' } }, '2.0.0');
  const r2 = await deploy(t, crash.ctx);
  expect(r2.outcome).toBe('rolled-back');
  expect(JSON.stringify(r2.plan.changes)).not.toContain(SECRET);
  expect(JSON.stringify(r2.plan.changes)).not.toContain(KEY);
  const uri = (await t.status(first.ctx)).endpoint?.scoringUri as string;
  const call = (key?: string) =>
    endpointFetch(first.ctx.cloud, uri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
    }).then((r) => r.status);
  expect(await call(KEY)).toBe(200);
  expect(await call()).toBe(401);
  expect(sb.requests().some((r) => r.path.includes(SECRET) || r.path.includes(KEY))).toBe(false);
  await t.destroy(first.ctx);
});

test('generated keys: two keys, masked, accepted by the deployed server', async () => {
  const { ctx, secrets } = makeContext(sb, { name: 'iris-genkeys', auth: { enabled: true } });
  const r = await deploy(t, ctx);
  expect(r.outcome).toBe('succeeded');
  const auth = r.verified?.endpoint?.auth;
  expect(auth?.type).toBe('key');
  expect(secrets).toEqual(expect.arrayContaining([auth?.primaryKey, auth?.secondaryKey]));
  expect(r.verified?.smoke?.ok).toBe(true);
  await t.destroy(ctx);
});
