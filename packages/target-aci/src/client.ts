import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { TargetContext } from '@dove/deploy-core';

export interface ClientTuning {
  /** SDK retries of 429/5xx (Retry-After honoured by the SDK). */
  maxRetries?: number;
  retryDelayInMs?: number;
  maxRetryDelayInMs?: number;
}

/** The ACI SDK client for this deploy: the profile's endpoint and CA, every request counted. */
export function aciClient(ctx: TargetContext<{ subscription: string }>, tuning: ClientTuning = {}) {
  const { cloud } = ctx;
  return new ContainerInstanceManagementClient(ctx.credential, ctx.config.subscription, {
    endpoint: cloud.armEndpoint,
    credentialScopes: [cloud.armScope ?? `${cloud.armEndpoint}/.default`],
    ...(cloud.caCert ? { tlsOptions: { ca: cloud.caCert } } : {}),
    retryOptions: {
      maxRetries: tuning.maxRetries ?? 6,
      retryDelayInMs: tuning.retryDelayInMs ?? 1000,
      maxRetryDelayInMs: tuning.maxRetryDelayInMs ?? 30_000,
    },
    additionalPolicies: [
      {
        position: 'perRetry',
        policy: {
          name: 'doveRequestCount',
          sendRequest: (req, next) => {
            ctx.requests.count('arm', req.method);
            return next(req);
          },
        },
      },
    ],
  });
}
