// The model store delivers the spec's model to every target when the cloud has a storage
// account (the sandbox publishes Azurite; on Azure set DOVE_STORAGE_ACCOUNT).
import type { DoveSpec } from '@dove/deploy-core';
import { modelStoreHook } from '@dove/model-store';
import type { Session } from '../context.ts';

export function modelDeliveryFor(session: Session, spec: DoveSpec): { modelDelivery?: unknown } {
  if (!spec.model.path) return {};
  const account = session.variables.DOVE_STORAGE_ACCOUNT;
  if (!session.cloud.sandbox?.storage && !account) return {};
  return { modelDelivery: modelStoreHook({ ...(account ? { accountName: account } : {}) }) };
}
