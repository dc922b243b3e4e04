export { BlobLeaseLockStore, type BlobLeaseLockStoreOptions } from './blob.ts';
export { InMemoryLockStore, type InMemoryLockStoreOptions } from './memory.ts';
export {
  type AcquireOptions,
  type AcquireResult,
  type LockInfo,
  type LockStore,
  lockedError,
} from './types.ts';
