// Environment locks stored in the repository itself, so every bot instance (and a person with
// git) sees the same lock. A lock is a ref `refs/dove-locks/<env>` pointing at a commit whose
// message holds the lock as JSON. Creating a ref that exists is refused by GitHub (422): that
// refusal is the atomic claim. An expired lock is taken over by a fast-forward update of the ref
// (a commit whose parent is the expired one, `force: false`): of two instances racing for the
// same expired lock, GitHub accepts one update and refuses the other as not a fast forward.
import { randomUUID } from 'node:crypto';
import type { AcquireOptions, AcquireResult, LockInfo, LockStore } from '@dove/deploy-core';
import { DoveError } from '@dove/deploy-core';
import type { GitHub } from './github.ts';

export const LOCK_NAMESPACE = 'refs/dove-locks/';

/** What the lock commit records, beyond deploy-core's LockInfo. */
export interface LockRecord {
  holder: string;
  command: string;
  since: string;
  expires: string;
  token: string;
  reason?: string;
  /** set by `/lock`: a lock a person holds until `/unlock` (or expiry) */
  manual?: boolean;
  /** the bot run (one command) that holds it, to release it after a crash */
  run?: string;
  instance?: string;
  pr?: number;
  /** taken for a deployment handed to the repository's workflow (the bot runs nothing) */
  workflow?: boolean;
}

export type LockExtras = Pick<LockRecord, 'command' | 'manual' | 'run' | 'instance' | 'pr' | 'workflow'>;

/** A ref-safe form of an environment name (refs cannot hold `..`, end in `.lock`, ...). */
export function lockRefName(key: string): string {
  return key.replace(/[^A-Za-z0-9_-]/g, (c) => `_${c.charCodeAt(0).toString(16)}`);
}

const status = (e: unknown) => (e as { status?: number }).status;

export interface GitHubLockStoreOptions {
  octokit: GitHub;
  owner: string;
  repo: string;
  now?: () => number;
}

export class GitHubLockStore implements LockStore {
  readonly #o: GitHubLockStoreOptions;
  readonly #now: () => number;

  constructor(options: GitHubLockStoreOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get #repo() {
    return { owner: this.#o.owner, repo: this.#o.repo };
  }

  async #commit(key: string, record: LockRecord, parents: string[]): Promise<string> {
    const json = JSON.stringify({ key, ...record });
    const gh = this.#o.octokit.rest.git;
    const tree = await gh.createTree({
      ...this.#repo,
      tree: [{ path: 'lock.json', mode: '100644', type: 'blob', content: `${json}\n` }],
    });
    const commit = await gh.createCommit({
      ...this.#repo,
      message: `dove lock ${key}\n\n${json}`,
      tree: tree.data.sha,
      parents,
    });
    return commit.data.sha;
  }

  /** The lock as recorded (expired or not), with the sha of its commit; undefined when free. */
  async read(key: string): Promise<{ sha: string; record: LockRecord } | undefined> {
    const gh = this.#o.octokit.rest.git;
    let sha: string;
    try {
      const ref = await gh.getRef({ ...this.#repo, ref: `dove-locks/${lockRefName(key)}` });
      sha = ref.data.object.sha;
    } catch (e) {
      if (status(e) === 404) return undefined;
      throw e;
    }
    const commit = await gh.getCommit({ ...this.#repo, commit_sha: sha });
    const json = commit.data.message.slice(commit.data.message.indexOf('{'));
    try {
      return { sha, record: JSON.parse(json) as LockRecord };
    } catch {
      // Not written by Dove (or damaged): treat as held by whoever made it, until someone unlocks.
      return {
        sha,
        record: {
          holder: 'an unknown holder',
          command: 'unknown',
          since: new Date(0).toISOString(),
          expires: new Date(8.64e15).toISOString(),
          token: '',
        },
      };
    }
  }

  #info(key: string, r: LockRecord): LockInfo {
    return {
      key,
      owner: r.holder,
      ...(r.reason ? { reason: r.reason } : {}),
      since: r.since,
      expiresAt: r.expires,
      token: r.token,
    };
  }

  #expired(r: LockRecord) {
    return Date.parse(r.expires) <= this.#now();
  }

  acquire(o: AcquireOptions): Promise<AcquireResult> {
    return this.acquireWith(o, { command: o.reason ?? 'deploy' });
  }

  /** `acquire` that also records which command, run and instance hold the lock. */
  async acquireWith(
    o: AcquireOptions,
    extras: LockExtras,
  ): Promise<AcquireResult & { record?: LockRecord; previous?: LockRecord }> {
    if (!o.key || !o.owner || !(o.ttlMs > 0)) throw new DoveError('DOVE_INTERNAL', 'Invalid lock request.');
    const now = this.#now();
    const record: LockRecord = {
      holder: o.owner,
      since: new Date(now).toISOString(),
      expires: new Date(now + o.ttlMs).toISOString(),
      token: randomUUID(),
      ...(o.reason ? { reason: o.reason } : {}),
      ...extras,
    };
    const ref = `${LOCK_NAMESPACE}${lockRefName(o.key)}`;
    const sha = await this.#commit(o.key, record, []);
    try {
      await this.#o.octokit.rest.git.createRef({ ...this.#repo, ref, sha });
      return { acquired: true, lock: this.#info(o.key, record), record };
    } catch (e) {
      if (status(e) !== 422) throw e;
    }
    const held = await this.read(o.key);
    if (!held) return this.acquireWith(o, extras); // released in between: try again
    if (!this.#expired(held.record)) return { acquired: false, holder: this.#info(o.key, held.record) };
    // Expired: take it over by fast-forward, so only one of several racing instances wins.
    const next = await this.#commit(o.key, record, [held.sha]);
    try {
      await this.#o.octokit.rest.git.updateRef({
        ...this.#repo,
        ref: `dove-locks/${lockRefName(o.key)}`,
        sha: next,
        force: false,
      });
      return { acquired: true, lock: this.#info(o.key, record), record, previous: held.record };
    } catch (e) {
      if (status(e) !== 422) throw e;
      const winner = await this.read(o.key);
      if (!winner) return this.acquireWith(o, extras);
      return { acquired: false, holder: this.#info(o.key, winner.record) };
    }
  }

  async release(lock: LockInfo): Promise<void> {
    const held = await this.read(lock.key);
    if (!held || held.record.token !== lock.token) return;
    await this.#delete(lock.key);
  }

  /** Removes the lock whoever holds it (`/unlock`, recovery after a crash). */
  async forceRelease(key: string): Promise<LockRecord | undefined> {
    const held = await this.read(key);
    if (!held) return undefined;
    await this.#delete(key);
    return held.record;
  }

  async #delete(key: string) {
    try {
      await this.#o.octokit.rest.git.deleteRef({ ...this.#repo, ref: `dove-locks/${lockRefName(key)}` });
    } catch (e) {
      if (status(e) !== 422 && status(e) !== 404) throw e;
    }
  }

  async inspect(key: string): Promise<LockInfo | undefined> {
    const held = await this.read(key);
    if (!held || this.#expired(held.record)) return undefined;
    return this.#info(key, held.record);
  }

  async renew(lock: LockInfo, ttlMs: number): Promise<LockInfo> {
    const held = await this.read(lock.key);
    if (!held || held.record.token !== lock.token)
      throw new DoveError('DOVE_LOCKED', `The lock on ${lock.key} held by ${lock.owner} was lost.`);
    const record = { ...held.record, expires: new Date(this.#now() + ttlMs).toISOString() };
    const next = await this.#commit(lock.key, record, [held.sha]);
    await this.#o.octokit.rest.git.updateRef({
      ...this.#repo,
      ref: `dove-locks/${lockRefName(lock.key)}`,
      sha: next,
      force: false,
    });
    return this.#info(lock.key, record);
  }
}

/**
 * A LockStore for deploy-core that hands out a lock the bot already holds: the bot takes the
 * lock before it creates the GitHub Deployment, then deploy-core "acquires" and releases it.
 */
export function heldLock(store: LockStore, lock: LockInfo): LockStore {
  return {
    async acquire(o) {
      if (o.key === lock.key) return { acquired: true, lock };
      return store.acquire(o);
    },
    release: (l) => store.release(l),
    inspect: (k) => store.inspect(k),
  };
}
