import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_CLUSTER, SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { transientDelay } from '../src/kube-retry.ts';
import { aks } from '../src/plugin.ts';
import { sandboxContext } from './context.ts';

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-aks-faults-'));
  sb = await startSandbox({ stateDir: dir, storage: false, delays: { provisionMs: 20 } });
});
afterAll(async () => {
  await sb?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const cluster = { resourceGroup: SANDBOX_RESOURCE_GROUP, name: SANDBOX_CLUSTER };

test('a Kubernetes API that throttles, fails with 503 and drops connections: the deploy retries and succeeds', async () => {
  const target = aks({ pollMs: 50 });
  const ctx = sandboxContext(sb, { cluster, name: 'flaky', replicas: 1 }, { version: '1.0.0' });
  sb.resetRequests();
  // Exactly-counted faults (no randomness), at most 4 in a row on one call: each kind is met.
  sb.faults.add({
    api: 'k8s',
    method: 'GET',
    times: 2,
    fault: { type: 'status', status: 429, retryAfterSeconds: 0 },
  });
  sb.faults.add({ api: 'k8s', method: 'GET', times: 2, fault: { type: 'drop' } });
  sb.faults.add({ api: 'k8s', method: 'PATCH', times: 2, fault: { type: 'status', status: 503 } });
  sb.faults.add({ api: 'k8s', method: 'PATCH', times: 1, fault: { type: 'status', status: 502 } });
  try {
    const plan = await target.plan(ctx);
    const applied = await target.apply(ctx, plan);
    const verified = await target.verify(ctx, applied, plan);
    expect(verified.smoke?.ok).toBe(true);
  } finally {
    sb.faults.clear();
  }
  const k8s = sb.requests().filter((r) => r.api === 'k8s');
  expect(k8s.filter((r) => [0, 429, 502, 503].includes(r.status))).toHaveLength(7);
  // Every attempt is counted, the retried ones too.
  const counted = ctx.requests.snapshot().byApi.k8s;
  expect((counted?.reads ?? 0) + (counted?.writes ?? 0)).toBeGreaterThanOrEqual(7);
  expect((await target.status(ctx)).version).toBe('1.0.0');
});

test('what is transient: 429 (with its Retry-After), 5xx and dropped sockets; 4xx errors are not', () => {
  expect(transientDelay({ code: 429, headers: { 'retry-after': '2' } })).toBe(2000);
  expect(transientDelay({ code: 503, headers: {} })).toBe('backoff');
  expect(
    transientDelay(Object.assign(new TypeError('fetch failed'), { cause: { code: 'UND_ERR_SOCKET' } })),
  ).toBe('backoff');
  for (const code of [400, 401, 403, 404, 409, 422]) expect(transientDelay({ code })).toBeUndefined();
  expect(transientDelay(new Error('boom'))).toBeUndefined();
});
