import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import { BlobServiceClient } from '@azure/storage-blob';
import { DoveError, fromAzureError } from '../errors.ts';
import type { AcquireOptions, AcquireResult, LockInfo, LockStore } from './types.ts';
import { validateAcquire } from './types.ts';

export type BlobLeaseLockStoreOptions = (
  | { containerClient: ContainerClient }
  | { connectionString: string; container: string }
) & {
  /** clock in epoch milliseconds; defaults to Date.now */
  now?: () => number;
  /**
   * How long a lease without lock metadata (a holder that crashed between taking the lease and
   * writing its metadata) is honoured, counted from the blob's last modification. Default 60 s.
   */
  pendingGraceMs?: number;
  /** Upper bound on lease/break rounds in one acquire. Default 60. */
  maxAttempts?: number;
};

interface Observed {
  leased: boolean;
  etag?: string;
  /** undefined when the lease is held but the holder has not written its metadata yet */
  info?: LockInfo;
  expiresAtMs: number;
  lastModified?: Date;
}

const META = { owner: 'owner', reason: 'reason', since: 'since', expiresAt: 'expiresat', token: 'token' };

function status(e: unknown): number | undefined {
  return (e as { statusCode?: number })?.statusCode;
}

/** 409/412: lease present, lease lost, lease id mismatch, condition not met. */
function isLeaseConflict(e: unknown): boolean {
  const s = status(e);
  return s === 409 || s === 412;
}

function toMetadata(lock: LockInfo): Record<string, string> {
  const m: Record<string, string> = {
    [META.owner]: encodeURIComponent(lock.owner),
    [META.since]: lock.since,
    [META.expiresAt]: lock.expiresAt,
    [META.token]: lock.token,
  };
  if (lock.reason !== undefined) m[META.reason] = encodeURIComponent(lock.reason);
  return m;
}

function fromMetadata(key: string, meta: Record<string, string> | undefined): LockInfo | undefined {
  if (!meta) return undefined;
  // metadata names are case-insensitive; normalise
  const m: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) m[k.toLowerCase()] = v;
  const expiresAt = m[META.expiresAt];
  const owner = m[META.owner];
  if (!expiresAt || owner === undefined || Number.isNaN(Date.parse(expiresAt))) return undefined;
  const info: LockInfo = {
    key,
    owner: decodeURIComponent(owner),
    since: m[META.since] ?? expiresAt,
    expiresAt,
    token: m[META.token] ?? '',
  };
  if (m[META.reason] !== undefined) info.reason = decodeURIComponent(m[META.reason] as string);
  return info;
}

/**
 * Locks on Azure Blob Storage leases: one blob per key (`locks/<key>.json`) holding an infinite
 * lease while locked; owner, reason, since and expiresAt live in the blob's metadata. A holder
 * whose `expiresAt` has passed (e.g. it crashed) is broken and replaced by the next acquirer.
 */
export class BlobLeaseLockStore implements LockStore {
  readonly #container: ContainerClient;
  readonly #now: () => number;
  readonly #pendingGraceMs: number;
  readonly #maxAttempts: number;
  #ready: Promise<void> | undefined;

  constructor(options: BlobLeaseLockStoreOptions) {
    this.#container =
      'containerClient' in options
        ? options.containerClient
        : BlobServiceClient.fromConnectionString(options.connectionString).getContainerClient(
            options.container,
          );
    this.#now = options.now ?? Date.now;
    this.#pendingGraceMs = options.pendingGraceMs ?? 60_000;
    this.#maxAttempts = options.maxAttempts ?? 60;
  }

  #blob(key: string): BlockBlobClient {
    return this.#container.getBlockBlobClient(`locks/${key}.json`);
  }

  async #ensureContainer(): Promise<void> {
    this.#ready ??= this.#container.createIfNotExists().then(
      () => undefined,
      (e) => {
        this.#ready = undefined;
        throw fromAzureError(e);
      },
    );
    return this.#ready;
  }

  async #ensureBlob(blob: BlockBlobClient): Promise<void> {
    try {
      await blob.upload('{}', 2, {
        conditions: { ifNoneMatch: '*' },
        blobHTTPHeaders: { blobContentType: 'application/json' },
      });
    } catch (e) {
      // already there (possibly leased by someone): fine
      if (!isLeaseConflict(e)) throw fromAzureError(e);
    }
  }

  async #observe(key: string, blob: BlockBlobClient): Promise<Observed | undefined> {
    let props: Awaited<ReturnType<BlockBlobClient['getProperties']>>;
    try {
      props = await blob.getProperties();
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw fromAzureError(e);
    }
    const info = fromMetadata(key, props.metadata);
    const expiresAtMs = info
      ? Date.parse(info.expiresAt)
      : (props.lastModified?.getTime() ?? this.#now()) + this.#pendingGraceMs;
    return {
      leased: props.leaseState === 'leased',
      etag: props.etag,
      info,
      expiresAtMs,
      lastModified: props.lastModified,
    };
  }

  async acquire(o: AcquireOptions): Promise<AcquireResult> {
    validateAcquire(o);
    await this.#ensureContainer();
    const blob = this.#blob(o.key);
    await this.#ensureBlob(blob);
    let last: Observed | undefined;
    for (let attempt = 0; attempt < this.#maxAttempts; attempt++) {
      const token = randomUUID();
      const lease = blob.getBlobLeaseClient(token);
      try {
        await lease.acquireLease(-1);
      } catch (e) {
        if (status(e) === 404) {
          await this.#ensureBlob(blob);
          continue;
        }
        if (!isLeaseConflict(e)) throw fromAzureError(e);
        const seen = await this.#observe(o.key, blob);
        if (!seen) {
          await this.#ensureBlob(blob);
          continue;
        }
        last = seen;
        if (!seen.leased) continue; // released meanwhile (or broken): try again
        if (seen.expiresAtMs <= this.#now()) {
          // abandoned: break it, but only if nobody wrote fresh metadata since we looked
          try {
            await blob
              .getBlobLeaseClient()
              .breakLease(0, seen.etag ? { conditions: { ifMatch: seen.etag } } : {});
          } catch (err) {
            if (!isLeaseConflict(err) && status(err) !== 404) throw fromAzureError(err);
          }
          continue;
        }
        if (!seen.info) {
          // the holder took the lease and is writing its metadata right now
          await sleep(25 + Math.random() * 75);
          continue;
        }
        return { acquired: false, holder: seen.info };
      }
      const now = this.#now();
      const lock: LockInfo = {
        key: o.key,
        owner: o.owner,
        ...(o.reason !== undefined ? { reason: o.reason } : {}),
        since: new Date(now).toISOString(),
        expiresAt: new Date(now + o.ttlMs).toISOString(),
        token,
      };
      try {
        await blob.setMetadata(toMetadata(lock), { conditions: { leaseId: token } });
      } catch (e) {
        if (isLeaseConflict(e)) continue; // our lease was broken before we wrote: start over
        await lease.releaseLease().catch(() => undefined);
        throw fromAzureError(e);
      }
      return { acquired: true, lock };
    }
    if (last?.info) return { acquired: false, holder: last.info };
    throw new DoveError(
      'DOVE_LOCKED',
      `Could not take or identify the holder of lock ${o.key} after ${this.#maxAttempts} attempts.`,
    );
  }

  async release(lock: LockInfo): Promise<void> {
    const blob = this.#blob(lock.key);
    try {
      // clear our metadata so the next holder is not mistaken for us
      await blob.setMetadata({}, { conditions: { leaseId: lock.token } });
    } catch (e) {
      if (isLeaseConflict(e) || status(e) === 404) return; // not ours any more
      throw fromAzureError(e);
    }
    try {
      await blob.getBlobLeaseClient(lock.token).releaseLease();
    } catch (e) {
      if (isLeaseConflict(e) || status(e) === 404) return;
      throw fromAzureError(e);
    }
  }

  async inspect(key: string): Promise<LockInfo | undefined> {
    const seen = await this.#observe(key, this.#blob(key));
    if (!seen?.leased || seen.expiresAtMs <= this.#now()) return undefined;
    if (seen.info) return seen.info;
    const since = (seen.lastModified ?? new Date(this.#now())).toISOString();
    return { key, owner: '(unknown)', since, expiresAt: new Date(seen.expiresAtMs).toISOString(), token: '' };
  }

  async renew(lock: LockInfo, ttlMs: number): Promise<LockInfo> {
    const renewed: LockInfo = { ...lock, expiresAt: new Date(this.#now() + ttlMs).toISOString() };
    try {
      await this.#blob(lock.key).setMetadata(toMetadata(renewed), { conditions: { leaseId: lock.token } });
    } catch (e) {
      if (isLeaseConflict(e) || status(e) === 404) {
        throw new DoveError('DOVE_LOCKED', `The lock on ${lock.key} held by ${lock.owner} was lost.`, {
          cause: e,
        });
      }
      throw fromAzureError(e);
    }
    return renewed;
  }
}
