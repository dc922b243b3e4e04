// Many deploys to one environment at once, through the library, with a shared lock store (in
// memory, and Azure Blob leases on Azurite with one store per requester, as separate processes
// would have): exactly one runs at a time, none is lost, and every requester gets a result or a
// DOVE_LOCKED error naming the holder.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BlobLeaseLockStore,
  type DeployEvent,
  InMemoryLockStore,
  isDoveError,
  type LockStore,
} from '@dove/deploy-core';
import { type AzuriteBlob, startAzurite } from '@dove/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { deployTo, type Rig, startRig, statusOf } from '../src/rig.ts';
import { assertFinishedInTime } from '../src/safety.ts';

const ENV = 'edge-fleet';
const N = 8;
let rig: Rig;
let azurite: AzuriteBlob;
beforeAll(async () => {
  [rig, azurite] = await Promise.all([startRig('concurrency', { fleet: true }), startAzurite()]);
});
afterAll(async () => {
  await rig?.stop();
  await azurite?.stop();
});

const stores: Record<string, () => (i: number) => LockStore> = {
  'in-memory': () => {
    const shared = new InMemoryLockStore();
    return () => shared;
  },
  'blob lease (Azurite)': () => {
    const container = `locks-${Math.random().toString(36).slice(2, 8)}`;
    return () => new BlobLeaseLockStore({ connectionString: azurite.connectionString, container });
  },
};

/** Who held the lock when: from each deploy's own events (lock succeeded → unlock started). */
function holdTracker() {
  let active = 0;
  let most = 0;
  const spans: { who: string; from: number; to?: number }[] = [];
  return {
    onEvent(who: string) {
      return (e: DeployEvent) => {
        if (e.type !== 'step') return;
        if (e.step === 'lock' && e.status === 'succeeded') {
          active++;
          most = Math.max(most, active);
          spans.push({ who, from: performance.now() });
        }
        if (e.step === 'unlock' && e.status === 'started') {
          active--;
          const s = spans.find((x) => x.who === who && x.to === undefined);
          if (s) s.to = performance.now();
        }
      };
    },
    most: () => most,
    spans: () => spans,
  };
}

let round = 0;
describe.each(Object.keys(stores))('%s lock store', (name) => {
  test(`${N} deploys at once: one runs, every other is told who holds the lock`, async () => {
    const storeFor = (stores[name] as () => (i: number) => LockStore)();
    const holds = holdTracker();
    round++;
    const settled = await Promise.allSettled(
      Array.from({ length: N }, (_, i) =>
        deployTo(rig, ENV, {
          version: `${round}.0.${i}`,
          lockStore: storeFor(i),
          owner: `requester-${i}`,
          onEvent: holds.onEvent(`requester-${i}`),
        }),
      ),
    );
    const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    expect(results.length + refused.length).toBe(N);
    expect(results.length).toBeGreaterThanOrEqual(1);
    for (const r of results) {
      assertFinishedInTime(r);
      expect(r.outcome, r.error?.message).toBe('succeeded');
    }
    for (const e of refused) {
      expect(isDoveError(e) && e.code).toBe('DOVE_LOCKED');
      expect(e.message).toMatch(/locked by requester-\d/);
    }
    expect(holds.most()).toBe(1);
    // Nothing lost: what serves is a version one of them deployed in this round.
    expect(results.map((r) => r.version)).toContain((await statusOf(rig, ENV)).version);
  });

  test(`${N} requesters that wait their turn: all ${N} deploy, one at a time`, async () => {
    const storeFor = (stores[name] as () => (i: number) => LockStore)();
    const holds = holdTracker();
    round++;
    const order: string[] = [];
    const results = await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        const deadline = Date.now() + 90_000;
        for (let attempt = 0; ; attempt++) {
          try {
            const r = await deployTo(rig, ENV, {
              version: `${round}.1.${i}`,
              lockStore: storeFor(i),
              owner: `requester-${i}`,
              onEvent: holds.onEvent(`requester-${i}`),
            });
            order.push(r.version);
            return { r, attempts: attempt + 1 };
          } catch (e) {
            if (!(isDoveError(e) && e.code === 'DOVE_LOCKED') || Date.now() > deadline) throw e;
            await sleep(50 + Math.random() * 150);
          }
        }
      }),
    );
    expect(results).toHaveLength(N);
    for (const { r } of results) expect(r.outcome, r.error?.message).toBe('succeeded');
    expect(results.some((x) => x.attempts > 1)).toBe(true);
    expect(holds.most()).toBe(1);
    const spans = holds.spans().sort((a, b) => a.from - b.from);
    expect(spans).toHaveLength(N);
    for (let i = 1; i < spans.length; i++)
      expect(spans[i]?.from).toBeGreaterThanOrEqual(spans[i - 1]?.to ?? Number.POSITIVE_INFINITY);
    // None lost: the version serving is the one deployed last.
    expect((await statusOf(rig, ENV)).version).toBe(order.at(-1));
  });
});
