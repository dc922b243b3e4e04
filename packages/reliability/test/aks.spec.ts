// AKS under faults, through deploy(): transient Kubernetes API faults end in success; crashing
// pods and a rollout that never gets ready fail clearly and the previous version keeps serving
// (its load balancer really answers). A failed ARM long-running operation does not apply: a
// deploy to an existing cluster starts none (cluster creation is covered in target-aks).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CRASH_IMAGE, deployTo, type Rig, STUCK_IMAGE, startRig } from '../src/rig.ts';
import { expectFailedSafely, expectServing, expectSucceeded, injected, type Serving } from './helpers.ts';

const ENV = 'prod';
let rig: Rig;
let serving: Serving;
beforeAll(async () => {
  rig = await startRig('aks');
  serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.0.0' }));
  await expectServing(rig, ENV, serving);
});
afterAll(async () => rig?.stop());

describe('aks: transient faults end in success', () => {
  test('a throttling storm on the Kubernetes API and on ARM (429 with Retry-After)', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({
      api: 'k8s',
      method: 'GET',
      times: 3,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    rig.sb.faults.add({
      api: 'k8s',
      method: 'PATCH',
      times: 2,
      fault: { type: 'status', status: 429, retryAfterSeconds: 0 },
    });
    rig.sb.faults.add({
      api: 'arm',
      times: 1,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.1.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'k8s', [429])).toBe(5);
    expect(injected(rig, 'arm', [429])).toBe(1);
    await expectServing(rig, ENV, serving);
  });

  test('5xx from the Kubernetes API', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({ api: 'k8s', method: 'GET', times: 3, fault: { type: 'status', status: 503 } });
    rig.sb.faults.add({ api: 'k8s', method: 'PATCH', times: 2, fault: { type: 'status', status: 500 } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.2.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'k8s', [500, 503])).toBe(5);
    await expectServing(rig, ENV, serving);
  });

  test('dropped connections to the Kubernetes API', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({ api: 'k8s', method: 'GET', times: 3, fault: { type: 'drop' } });
    rig.sb.faults.add({ api: 'k8s', method: 'PATCH', times: 2, fault: { type: 'drop' } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.3.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'k8s', [0])).toBe(5);
    await expectServing(rig, ENV, serving);
  });
});

describe('aks: permanent faults fail clearly and the previous version keeps serving', () => {
  test('pods that crash', async () => {
    const r = await deployTo(rig, ENV, { version: '2.0.0', image: CRASH_IMAGE });
    await expectFailedSafely(rig, ENV, r, serving);
    expect(r.error?.message).toMatch(/CrashLoopBackOff|model file missing/);
  });

  test('a rollout that never gets ready (stuck until its progress deadline)', async () => {
    const r = await deployTo(rig, ENV, { version: '2.1.0', image: STUCK_IMAGE });
    await expectFailedSafely(rig, ENV, r, serving);
  });
});
