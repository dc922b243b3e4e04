import { randomUUID } from 'node:crypto';
import { DoveError } from '../errors.ts';
import type { AcquireOptions, AcquireResult, LockInfo, LockStore } from './types.ts';
import { validateAcquire } from './types.ts';

export interface InMemoryLockStoreOptions {
  /** clock in epoch milliseconds; defaults to Date.now */
  now?: () => number;
}

/** Process-local locks; expiry is judged by the (injectable) clock. */
export class InMemoryLockStore implements LockStore {
  readonly #locks = new Map<string, LockInfo>();
  readonly #now: () => number;

  constructor(options: InMemoryLockStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #live(key: string): LockInfo | undefined {
    const lock = this.#locks.get(key);
    if (!lock) return undefined;
    if (Date.parse(lock.expiresAt) <= this.#now()) {
      this.#locks.delete(key);
      return undefined;
    }
    return lock;
  }

  async acquire(o: AcquireOptions): Promise<AcquireResult> {
    validateAcquire(o);
    const holder = this.#live(o.key);
    if (holder) return { acquired: false, holder: { ...holder } };
    const now = this.#now();
    const lock: LockInfo = {
      key: o.key,
      owner: o.owner,
      ...(o.reason !== undefined ? { reason: o.reason } : {}),
      since: new Date(now).toISOString(),
      expiresAt: new Date(now + o.ttlMs).toISOString(),
      token: randomUUID(),
    };
    this.#locks.set(o.key, lock);
    return { acquired: true, lock: { ...lock } };
  }

  async release(lock: LockInfo): Promise<void> {
    const current = this.#locks.get(lock.key);
    if (current && current.token === lock.token) this.#locks.delete(lock.key);
  }

  async inspect(key: string): Promise<LockInfo | undefined> {
    const lock = this.#live(key);
    return lock ? { ...lock } : undefined;
  }

  async renew(lock: LockInfo, ttlMs: number): Promise<LockInfo> {
    const current = this.#live(lock.key);
    if (!current || current.token !== lock.token) {
      throw new DoveError('DOVE_LOCKED', `The lock on ${lock.key} held by ${lock.owner} was lost.`);
    }
    const renewed = { ...current, expiresAt: new Date(this.#now() + ttlMs).toISOString() };
    this.#locks.set(lock.key, renewed);
    return { ...renewed };
  }
}
