import { DoveError } from '../errors.ts';

export interface LockInfo {
  key: string;
  owner: string;
  reason?: string;
  /** ISO time the lock was taken */
  since: string;
  /** ISO time after which the lock counts as abandoned and may be taken over */
  expiresAt: string;
  /** proof of holding; pass the whole LockInfo back to release/renew */
  token: string;
}

export type AcquireResult = { acquired: true; lock: LockInfo } | { acquired: false; holder: LockInfo };

export interface AcquireOptions {
  key: string;
  owner: string;
  reason?: string;
  ttlMs: number;
}

export interface LockStore {
  acquire(o: AcquireOptions): Promise<AcquireResult>;
  /** No-op if someone else holds the lock now (or nobody does). */
  release(lock: LockInfo): Promise<void>;
  /** undefined when free or expired */
  inspect(key: string): Promise<LockInfo | undefined>;
  /** Extends a held lock; throws DOVE_LOCKED when the lock is no longer ours. */
  renew?(lock: LockInfo, ttlMs: number): Promise<LockInfo>;
}

/** The error hosts raise when `acquire` returns `{ acquired: false }`. */
export function lockedError(holder: LockInfo): DoveError {
  const why = holder.reason ? ` (${holder.reason})` : '';
  return new DoveError(
    'DOVE_LOCKED',
    `${holder.key} is locked by ${holder.owner}${why} since ${holder.since}; the lock expires at ${holder.expiresAt}.`,
  );
}

export function validateAcquire(o: AcquireOptions): void {
  if (!o.key) throw new DoveError('DOVE_INTERNAL', 'Lock key must not be empty.');
  if (!o.owner) throw new DoveError('DOVE_INTERNAL', 'Lock owner must not be empty.');
  if (!(o.ttlMs > 0)) throw new DoveError('DOVE_INTERNAL', `Lock ttlMs must be positive, got ${o.ttlMs}.`);
}
