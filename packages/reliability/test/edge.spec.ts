// IoT Edge under faults, through deploy(): transient IoT Hub faults on reads end in success; a
// refused write, devices whose modules fail and devices that never report fail clearly and the
// previous deployment keeps serving (the hub still applies it).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployTo, type Rig, startRig, statusOf } from '../src/rig.ts';
import { expectFailedSafely, expectServing, expectSucceeded, injected, type Serving } from './helpers.ts';

const ENV = 'edge-fleet';
let rig: Rig;
let serving: Serving;
beforeAll(async () => {
  rig = await startRig('edge', { fleet: true });
  serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.0.0' }));
  await expectServing(rig, ENV, serving);
});
afterAll(async () => rig?.stop());

describe('edge: transient faults end in success', () => {
  test('a throttling storm on reads (429 with Retry-After)', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({
      api: 'iothub',
      method: 'GET',
      times: 3,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.1.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'iothub', [429])).toBe(3);
    await expectServing(rig, ENV, serving);
  });

  test('5xx and dropped connections on reads', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({ api: 'iothub', method: 'GET', times: 2, fault: { type: 'status', status: 503 } });
    // The target retries a read 3 times (target-edge's READ_ATTEMPTS): 3 faults in a row at most.
    rig.sb.faults.add({ api: 'iothub', method: 'GET', times: 1, fault: { type: 'drop' } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.2.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'iothub', [0, 503])).toBe(3);
    await expectServing(rig, ENV, serving);
  });
});

describe('edge: permanent faults fail clearly and the previous version keeps serving', () => {
  test('a write the hub refuses (throttled, then dropped)', async () => {
    for (const [i, fault] of [
      { type: 'status', status: 429, retryAfterSeconds: 1 },
      { type: 'drop' },
    ].entries()) {
      rig.sb.faults.add({ api: 'iothub', method: 'PUT', times: 1, fault: fault as never });
      const r = await deployTo(rig, ENV, { version: `2.0.${i}` });
      rig.sb.faults.clear();
      if (r.outcome === 'succeeded') serving = expectSucceeded(r);
      else await expectFailedSafely(rig, ENV, r, serving, /EDGE_/);
    }
  });

  test('devices whose modules fail to start: above the threshold the rollout fails', async () => {
    const mixed = expectSucceeded(await deployTo(rig, 'edge-mixed', { version: '1.0.0' }));
    const r = await deployTo(rig, 'edge-mixed', { version: '2.0.0', settings: { successThreshold: 100 } });
    await expectFailedSafely(rig, 'edge-mixed', r, mixed, /EDGE_ROLLOUT_FAILED/);
    expect(r.error?.message).toMatch(/2 failure|failure/);
  });

  test('devices that never report: the deadline decides', async () => {
    const quiet = expectSucceeded(await deployTo(rig, 'edge-quiet', { version: '1.0.0' }));
    const r = await deployTo(rig, 'edge-quiet', { version: '2.0.0', settings: { successThreshold: 100 } });
    await expectFailedSafely(rig, 'edge-quiet', r, quiet, /EDGE_DEADLINE/);
    expect(r.error?.message).toMatch(/1 pending/);
    expect((await statusOf(rig, 'edge-quiet')).version).toBe('1.0.0');
  });
});
