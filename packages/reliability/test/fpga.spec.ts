// FPGA under faults, through deploy(), once @dove/target-fpga exports its plugin (it composes the
// aks target): transient Kubernetes API faults end in success; a crashing featurizer fails
// clearly and the previous version keeps serving.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CRASH_IMAGE, deployTo, type Rig, startRig } from '../src/rig.ts';
import { expectFailedSafely, expectServing, expectSucceeded, injected, type Serving } from './helpers.ts';

const ENV = 'fast';
let rig: Rig;
let serving: Serving;
let available = false;
beforeAll(async () => {
  rig = await startRig('fpga');
  available = rig.kinds.has('fpga');
  if (!available) return;
  serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.0.0' }));
  await expectServing(rig, ENV, serving);
});
afterAll(async () => rig?.stop());

describe('fpga under faults', () => {
  test('transient: 429 storms, 5xx and drops on the Kubernetes API end in success', async (t) => {
    if (!available) return t.skip();
    rig.sb.resetRequests();
    rig.sb.faults.add({
      api: 'k8s',
      method: 'GET',
      times: 2,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    rig.sb.faults.add({ api: 'k8s', method: 'GET', times: 1, fault: { type: 'status', status: 503 } });
    rig.sb.faults.add({ api: 'k8s', method: 'PATCH', times: 1, fault: { type: 'drop' } });
    rig.sb.faults.add({ api: 'k8s', method: 'PATCH', times: 1, fault: { type: 'status', status: 500 } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.1.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'k8s', [0, 429, 500, 503])).toBe(5);
    await expectServing(rig, ENV, serving);
  });

  test('permanent: a featurizer that crashes fails clearly; the previous version still serves', async (t) => {
    if (!available) return t.skip();
    const r = await deployTo(rig, ENV, { version: '2.0.0', image: CRASH_IMAGE });
    await expectFailedSafely(rig, ENV, r, serving);
  });
});
