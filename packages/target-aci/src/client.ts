import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { azureClientOptions, type TargetContext } from '@dove/deploy-core';

export interface ClientTuning {
  /** SDK retries of 429/5xx (Retry-After honoured by the SDK). */
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

/** The ACI SDK client for this deploy: the profile's endpoint and CA, every request counted. */
export function aciClient(ctx: TargetContext<{ subscription: string }>, tuning: ClientTuning = {}) {
  return new ContainerInstanceManagementClient(ctx.credential, ctx.config.subscription, {
    ...azureClientOptions(ctx),
    retryOptions: {
      maxRetries: tuning.maxRetries ?? 6,
      retryDelayInMs: tuning.retryDelayInMs ?? 1000,
      maxRetryDelayInMs: tuning.maxRetryDelayInMs ?? 30_000,
    },
  });
}
