import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { startAzurite } from '@dove/testkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LockStore } from '../src/locks/index.ts';
import { BlobLeaseLockStore, InMemoryLockStore, lockedError } from '../src/locks/index.ts';

type Azurite = Awaited<ReturnType<typeof startAzurite>>;
let azurite: Azurite | undefined;

beforeAll(async () => {
  azurite = await startAzurite();
});
afterAll(async () => {
  await azurite?.stop();
});

/**
 * Each factory returns a backend: calling it gives one more client of the same lock space
 * (in memory: the same store; on blob: a new client of the same container, like another process).
 */
const factories: [string, () => () => LockStore][] = [
  [
    'InMemoryLockStore',
    () => {
      const store = new InMemoryLockStore();
      return () => store;
    },
  ],
  [
    'BlobLeaseLockStore',
    () => () =>
      new BlobLeaseLockStore({
        connectionString: (azurite as Azurite).connectionString,
        container: 'dove-locks',
      }),
  ],
];

describe.each(factories)('%s', (_name, backend) => {
  let make: () => LockStore;
  beforeEach(() => {
    make = backend();
  });
  const key = () => `env-${randomUUID().slice(0, 8)}`;

  it('two contenders: exactly one wins and the loser sees the holder', async () => {
    const a = make();
    const b = make();
    const k = key();
    const [ra, rb] = await Promise.all([
      a.acquire({ key: k, owner: 'alice', reason: 'deploy v1', ttlMs: 60_000 }),
      b.acquire({ key: k, owner: 'bob', reason: 'deploy v2', ttlMs: 60_000 }),
    ]);
    const winners = [ra, rb].filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const win = ra.acquired ? ra : rb;
    const lose = ra.acquired ? rb : ra;
    if (!win.acquired || lose.acquired) throw new Error('unreachable');
    expect(lose.holder.owner).toBe(win.lock.owner);
    expect(lose.holder.reason).toBe(win.lock.reason);
    expect(lose.holder.since).toBe(win.lock.since);
    expect(lose.holder.key).toBe(k);
    const seen = await b.inspect(k);
    expect(seen?.owner).toBe(win.lock.owner);
    expect(lockedError(lose.holder).code).toBe('DOVE_LOCKED');
  });

  it('release frees it', async () => {
    const s = make();
    const k = key();
    const r1 = await s.acquire({ key: k, owner: 'alice', ttlMs: 60_000 });
    if (!r1.acquired) throw new Error('expected to acquire');
    expect((await s.acquire({ key: k, owner: 'bob', ttlMs: 60_000 })).acquired).toBe(false);
    await s.release(r1.lock);
    expect(await s.inspect(k)).toBeUndefined();
    const r2 = await s.acquire({ key: k, owner: 'bob', reason: 'après', ttlMs: 60_000 });
    expect(r2.acquired).toBe(true);
    if (r2.acquired) expect(r2.lock.reason).toBe('après');
  });

  it('expiry frees it (a crashed holder is recovered)', async () => {
    const s = make();
    const k = key();
    const r1 = await s.acquire({ key: k, owner: 'crashed', ttlMs: 300 });
    expect(r1.acquired).toBe(true);
    await sleep(600);
    expect(await s.inspect(k)).toBeUndefined();
    const r2 = await s.acquire({ key: k, owner: 'bob', ttlMs: 60_000 });
    expect(r2.acquired).toBe(true);
    // the old holder's release must not free the new holder's lock
    if (r1.acquired) await s.release(r1.lock);
    expect((await s.inspect(k))?.owner).toBe('bob');
  });

  it('20 concurrent acquirers: exactly one acquires', async () => {
    const k = key();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => make().acquire({ key: k, owner: `o${i}`, ttlMs: 60_000 })),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    if (!winner?.acquired) throw new Error('unreachable');
    for (const r of results) if (!r.acquired) expect(r.holder.owner).toBe(winner.lock.owner);
  });

  it('10 contenders racing for an expired holder: exactly one takes over', async () => {
    const k = key();
    expect((await make().acquire({ key: k, owner: 'crashed', ttlMs: 200 })).acquired).toBe(true);
    await sleep(400);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => make().acquire({ key: k, owner: `o${i}`, ttlMs: 60_000 })),
    );
    const winners = results.filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    if (!winner?.acquired) throw new Error('unreachable');
    for (const r of results) if (!r.acquired) expect(r.holder.owner).toBe(winner.lock.owner);
    expect((await make().inspect(k))?.owner).toBe(winner.lock.owner);
  });

  it('release by a non-holder does not free it', async () => {
    const s = make();
    const k = key();
    const r1 = await s.acquire({ key: k, owner: 'alice', ttlMs: 60_000 });
    if (!r1.acquired) throw new Error('expected to acquire');
    const r2 = await make().acquire({ key: k, owner: 'mallory', ttlMs: 60_000 });
    if (r2.acquired) throw new Error('expected to lose');
    await s.release({ ...r2.holder, owner: 'mallory', token: randomUUID() });
    expect((await s.inspect(k))?.owner).toBe('alice');
    expect((await s.acquire({ key: k, owner: 'bob', ttlMs: 60_000 })).acquired).toBe(false);
  });

  it('renew extends a held lock and fails once it is lost', async () => {
    const s = make();
    const k = key();
    const r1 = await s.acquire({ key: k, owner: 'alice', ttlMs: 60_000 });
    if (!r1.acquired || !s.renew) throw new Error('expected to acquire');
    const renewed = await s.renew(r1.lock, 120_000);
    expect(Date.parse(renewed.expiresAt)).toBeGreaterThan(Date.parse(r1.lock.expiresAt));
    await s.release(renewed);
    await expect(s.renew(renewed, 1000)).rejects.toMatchObject({ code: 'DOVE_LOCKED' });
  });
});

describe('InMemoryLockStore with an injected clock', () => {
  it('expires by the clock', async () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    const s = new InMemoryLockStore({ now: () => t });
    const r = await s.acquire({ key: 'k', owner: 'a', ttlMs: 1000 });
    expect(r.acquired && r.lock.since).toBe('2026-01-01T00:00:00.000Z');
    t += 999;
    expect((await s.inspect('k'))?.owner).toBe('a');
    t += 1;
    expect(await s.inspect('k')).toBeUndefined();
    expect((await s.acquire({ key: 'k', owner: 'b', ttlMs: 1000 })).acquired).toBe(true);
  });
});
