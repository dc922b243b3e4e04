// Two workflow runs must not deploy one environment at once. When the cloud has a storage
// account (the model store's: the sandbox's, or DOVE_STORAGE_ACCOUNT), the environment's lock is
// a blob lease in its `dove-locks` container, shared by every runner; otherwise it only holds
// within this process, and the workflow's `concurrency:` has to do it.
import type { TokenCredential } from '@azure/core-auth';
import { BlobLeaseLockStore, type CloudProfile, type LockStore } from '@dove/deploy-core';

export const LOCK_CONTAINER = 'dove-locks';

export async function sharedLockStore(
  cloud: CloudProfile,
  credential: TokenCredential,
  accountName: string | undefined,
): Promise<LockStore | undefined> {
  if (!cloud.sandbox?.storage && !accountName) return undefined;
  const { locationFromCloud, openContainer } = await import('@dove/model-store');
  const containerClient = openContainer(
    locationFromCloud(cloud, {
      container: LOCK_CONTAINER,
      credential,
      ...(accountName ? { accountName } : {}),
    }),
  );
  return new BlobLeaseLockStore({ containerClient });
}
