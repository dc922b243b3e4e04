// ACI under faults, through deploy(): transient ARM faults end in success; a failed long-running
// operation, a crashing container and one that never gets healthy fail clearly and the previous
// version keeps serving (its endpoint really answers).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployTo, type Rig, startRig } from '../src/rig.ts';
import { expectFailedSafely, expectServing, expectSucceeded, injected, type Serving } from './helpers.ts';

const ENV = 'dev';
let rig: Rig;
let serving: Serving;
beforeAll(async () => {
  rig = await startRig('aci');
  serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.0.0' }));
  await expectServing(rig, ENV, serving);
});
afterAll(async () => rig?.stop());

describe('aci: transient faults end in success', () => {
  test('a throttling storm: 429 with Retry-After on reads and on the write', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({
      api: 'arm',
      method: 'GET',
      pathIncludes: 'containerGroups',
      times: 2,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    rig.sb.faults.add({
      api: 'arm',
      method: 'PUT',
      times: 1,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.1.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'arm', [429])).toBe(3);
    await expectServing(rig, ENV, serving);
  });

  test('5xx: 503 and 500 answers', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({ api: 'arm', method: 'GET', times: 2, fault: { type: 'status', status: 503 } });
    rig.sb.faults.add({ api: 'arm', method: 'PUT', times: 1, fault: { type: 'status', status: 500 } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.2.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'arm', [500, 503])).toBe(3);
    await expectServing(rig, ENV, serving);
  });

  test('dropped connections', async () => {
    rig.sb.resetRequests();
    rig.sb.faults.add({ api: 'arm', method: 'GET', times: 2, fault: { type: 'drop' } });
    rig.sb.faults.add({ api: 'arm', method: 'PUT', times: 1, fault: { type: 'drop' } });
    serving = expectSucceeded(await deployTo(rig, ENV, { version: '1.3.0' }));
    rig.sb.faults.clear();
    expect(injected(rig, 'arm', [0])).toBe(3);
    await expectServing(rig, ENV, serving);
  });
});

describe('aci: permanent faults fail clearly and the previous version keeps serving', () => {
  test('a failed long-running operation', async () => {
    rig.sb.faults.add({
      api: 'arm',
      method: 'PUT',
      pathIncludes: 'containerGroups',
      times: 1,
      fault: {
        type: 'failOperation',
        code: 'InternalServerError',
        message: 'The operation failed in the backend.',
      },
    });
    const r = await deployTo(rig, ENV, { version: '2.0.0' });
    rig.sb.faults.clear();
    await expectFailedSafely(rig, ENV, r, serving);
    expect(r.error?.message).toMatch(/operation failed in the backend/);
  });

  test('a container that crashes on start', async () => {
    const r = await deployTo(rig, ENV, { version: '2.1.0', env: { DOVE_FAULT: 'crash-on-start' } });
    await expectFailedSafely(rig, ENV, r, serving, /ACI_CONTAINER_CRASHED/);
  });

  test('a container that never gets healthy (stuck)', async () => {
    const r = await deployTo(rig, ENV, {
      version: '2.2.0',
      env: { DOVE_FAULT: 'slow-health', DOVE_FAULT_DELAY_MS: '600000' },
      settings: { readyTimeoutSeconds: 5 },
    });
    await expectFailedSafely(rig, ENV, r, serving);
  });
});
