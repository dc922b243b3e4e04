import { readFileSync } from 'node:fs';
import { ContainerServiceClient, type ManagedCluster } from '@azure/arm-containerservice';
import type { TargetContext } from '@dove/deploy-core';
import type { AksConfig } from './config.ts';

type Ctx = TargetContext<AksConfig>;

/** ARM client for the cluster's subscription, trusting the cloud's CA and counting requests. */
export function armClient(ctx: Ctx): ContainerServiceClient {
  const subscription = ctx.config.cluster?.subscription ?? ctx.cloud.sandbox?.subscriptionId;
  if (!subscription) {
    throw new Error(
      `targets.${ctx.environment}.cluster.subscription: missing. Name the subscription that holds the cluster (a subscription id).`,
    );
  }
  return new ContainerServiceClient(ctx.credential, subscription, {
    endpoint: ctx.cloud.armEndpoint,
    credentials: { scopes: [ctx.cloud.armScope ?? `${ctx.cloud.armEndpoint}/.default`] },
    ...(ctx.cloud.caCert ? { tlsOptions: { ca: ctx.cloud.caCert } } : {}),
    additionalPolicies: [
      {
        position: 'perCall',
        policy: {
          name: 'doveRequestCount',
          sendRequest: (req, next) => {
            ctx.requests.count('arm', req.method, { url: req.url });
            return next(req);
          },
        },
      },
    ],
  });
}

/** The named cluster, or undefined when it does not exist. */
export async function findCluster(ctx: Ctx): Promise<ManagedCluster | undefined> {
  const c = ctx.config.cluster!;
  try {
    return await armClient(ctx).managedClusters.get(c.resourceGroup, c.name, { abortSignal: ctx.signal });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}

/** Creates the cluster the settings describe (opt-in `cluster.create`) and waits until it is provisioned. */
export async function createCluster(ctx: Ctx): Promise<ManagedCluster> {
  const c = ctx.config.cluster!;
  const create = c.create!;
  const pool = create.nodePool;
  ctx.progress(`creating AKS cluster ${c.name} in ${create.location} (this takes minutes)`);
  return armClient(ctx).managedClusters.beginCreateOrUpdateAndWait(
    c.resourceGroup,
    c.name,
    {
      location: create.location,
      dnsPrefix: c.name.replace(/_/g, '-').slice(0, 54),
      identity: { type: 'SystemAssigned' },
      agentPoolProfiles: [
        {
          name: 'system',
          mode: 'System',
          vmSize: pool.vmSize,
          count: pool.count,
          ...(pool.min !== undefined
            ? { enableAutoScaling: true, minCount: pool.min, maxCount: pool.max }
            : {}),
        },
      ],
    },
    { abortSignal: ctx.signal, updateIntervalInMs: ctx.cloud.sandbox ? 50 : 15_000 },
  );
}

/** Kubeconfig YAML: from ARM (`listClusterUserCredential`) or the user's file / inline text. */
export async function kubeconfigText(ctx: Ctx): Promise<string> {
  const given = ctx.config.kubeconfig;
  if (given) {
    if (given.includes('apiVersion:') || given.includes('clusters:')) return given;
    try {
      return readFileSync(given, 'utf8');
    } catch (err) {
      throw new Error(
        `targets.${ctx.environment}.kubeconfig: cannot read '${given}' (${(err as Error).message}). Give a kubeconfig file path or its YAML text.`,
      );
    }
  }
  const c = ctx.config.cluster!;
  const creds = await armClient(ctx).managedClusters.listClusterUserCredentials(c.resourceGroup, c.name, {
    abortSignal: ctx.signal,
  });
  const value = creds.kubeconfigs?.[0]?.value;
  if (!value) throw new Error(`AKS returned no kubeconfig for cluster ${c.name}.`);
  return Buffer.from(value).toString('utf8');
}
