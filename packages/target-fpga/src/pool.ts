// The FPGA agent pool: found, reused or created through ARM (the real ContainerServiceClient),
// and removed on destroy only when Dove created it and nothing else runs on it.
import type { AgentPool, ContainerServiceClient } from '@azure/arm-containerservice';
import { DoveError, type TargetContext } from '@dove/deploy-core';
import { type AksConfig, armClient, findCluster } from '@dove/target-aks';
import { type FpgaSize, fpgaSize, NODE_POOL_MINUTES, normaliseRegion } from './catalogue.ts';
import type { FpgaConfig } from './config.ts';

/** Tag on pools Dove created: only those may be deleted by `destroy`. */
export const TAG_CREATED_BY = 'dove.dev/created-by';
/** Node label and taint Dove puts on the pools it creates. */
export const ACCELERATOR_LABEL = 'dove.dev/accelerator';
export const POOL_LABEL = 'kubernetes.azure.com/agentpool';

export interface PoolPlan {
  name: string;
  vmSize: string;
  count: number;
  size: FpgaSize;
  location: string;
  /** `create`: a new pool; `scale`: an existing pool of this size gets more nodes; `reuse`: as is. */
  action: 'create' | 'scale' | 'reuse';
  /** Node count now (reuse/scale). */
  existingCount?: number;
  /** `key=value:Effect` taints of the pool (pods tolerate them). */
  taints: string[];
}

type AksCtx = TargetContext<AksConfig>;

const where = (ctx: { environment: string }, field: string) => `targets.${ctx.environment}.${field}`;

/** Reads the cluster (its region) and its pools; decides what happens to the FPGA pool. Read-only. */
export async function planPool(ctx: TargetContext<FpgaConfig>, aksCtx: AksCtx): Promise<PoolPlan> {
  const c = ctx.config;
  const cluster = await findCluster(aksCtx);
  if (!cluster) {
    throw new DoveError(
      'DOVE_NOT_FOUND',
      `${where(ctx, 'cluster')}: AKS cluster ${c.cluster.name} was not found in resource group ${c.cluster.resourceGroup}. The FPGA target adds a node pool to an existing cluster: create the cluster first (e.g. with the AKS target's cluster.create) or fix the name.`,
    );
  }
  const location = normaliseRegion(cluster.location);
  const found = fpgaSize(c.nodePool.vmSize);
  if (!found) {
    throw new DoveError(
      'DOVE_SETTINGS_INVALID',
      `${where(ctx, 'nodePool.vmSize')}: ${c.nodePool.vmSize} is not an FPGA size Dove knows.`,
    );
  }
  const [vmSize, size] = found;
  if (!size.regions.includes(location)) {
    throw new DoveError(
      'DOVE_SETTINGS_INVALID',
      `${where(ctx, 'nodePool.vmSize')}: ${vmSize} is not offered in ${location}, the region of cluster ${c.cluster.name}. It is offered in ${size.regions.join(', ')}: use a cluster in one of them.`,
      { hint: 'FPGA sizes exist in few regions; create or pick an AKS cluster in one of those listed.' },
    );
  }
  const pools = await listPools(aksCtx);
  const named = pools.find((p) => p.name === c.nodePool.name);
  if (named && named.vmSize?.toLowerCase() !== vmSize.toLowerCase()) {
    throw new DoveError(
      'DOVE_SETTINGS_INVALID',
      `${where(ctx, 'nodePool.name')}: cluster ${c.cluster.name} already has a pool '${named.name}' of size ${named.vmSize}, not ${vmSize}. Name another pool, or use its size.`,
    );
  }
  const existing = named ?? pools.find((p) => p.vmSize?.toLowerCase() === vmSize.toLowerCase());
  const base = { vmSize, size, location, count: c.nodePool.count };
  if (!existing) {
    return {
      ...base,
      name: c.nodePool.name,
      action: 'create',
      taints: [`${ACCELERATOR_LABEL}=fpga:NoSchedule`],
    };
  }
  const now = existing.count ?? 0;
  return {
    ...base,
    name: existing.name ?? c.nodePool.name,
    action: now < c.nodePool.count ? 'scale' : 'reuse',
    existingCount: now,
    count: Math.max(now, c.nodePool.count),
    taints: existing.nodeTaints ?? [],
  };
}

/** The warnings plan shows: what the pool costs in time, money and quota. */
export function poolWarnings(ctx: TargetContext<FpgaConfig>, p: PoolPlan): string[] {
  const out: string[] = [];
  const added = p.action === 'create' ? p.count : p.action === 'scale' ? p.count - (p.existingCount ?? 0) : 0;
  if (added > 0) {
    const what =
      p.action === 'create'
        ? `ADDS AN FPGA NODE POOL '${p.name}': ${p.count} x ${p.vmSize}`
        : `GROWS FPGA NODE POOL '${p.name}' from ${p.existingCount} to ${p.count} x ${p.vmSize}`;
    out.push(
      `${what} (${p.size.vcpus} vCPUs, ${p.size.fpgas} ${p.size.device} FPGA each) in ${p.location}. Adding nodes takes about ${NODE_POOL_MINUTES} minutes; each node is billed per hour while the pool exists (${ctx.config.cluster.name} keeps it after this deploy).`,
    );
    out.push(
      `QUOTA: needs ${added * p.size.vcpus} more vCPUs of '${p.size.quotaFamily}' in ${p.location}. This family's quota is often 0 on a new subscription: request it (Azure portal > Quotas) before deploying, or the pool fails with QuotaExceeded.`,
    );
  }
  const slots = p.count * p.size.fpgas;
  const c = ctx.config;
  const needed = c.strategy === 'blue-green' ? 2 * c.replicas : c.replicas + 1;
  if (slots < needed) {
    out.push(
      `CAPACITY: ${c.replicas} replica(s) on ${slots} FPGA(s). A ${c.strategy === 'blue-green' ? 'blue-green deploy runs both colours' : 'rolling update starts the new pod before the old one stops'}, so an update needs ${needed} FPGAs; with fewer the new version waits (Pending) and the deploy rolls back. Raise nodePool.count to ${Math.ceil(needed / p.size.fpgas)}.`,
    );
  }
  return out;
}

export async function listPools(aksCtx: AksCtx): Promise<AgentPool[]> {
  const c = aksCtx.config.cluster!;
  const pools: AgentPool[] = [];
  for await (const p of armClient(aksCtx).agentPools.list(c.resourceGroup, c.name, {
    abortSignal: aksCtx.signal,
  }))
    pools.push(p);
  return pools;
}

function client(aksCtx: AksCtx): ContainerServiceClient {
  return armClient(aksCtx);
}

const pollMs = (aksCtx: AksCtx) => (aksCtx.cloud.sandbox ? 50 : 15_000);

/** Creates or grows the pool as planned and waits until ARM reports it provisioned. */
export async function ensurePool(aksCtx: AksCtx, p: PoolPlan): Promise<void> {
  if (p.action === 'reuse') {
    aksCtx.progress(`reusing FPGA node pool ${p.name} (${p.existingCount} x ${p.vmSize})`);
    return;
  }
  const c = aksCtx.config.cluster!;
  const arm = client(aksCtx);
  if (p.action === 'scale') {
    const current = await arm.agentPools.get(c.resourceGroup, c.name, p.name, { abortSignal: aksCtx.signal });
    aksCtx.progress(`growing FPGA node pool ${p.name} to ${p.count} x ${p.vmSize} (takes minutes)`);
    await arm.agentPools.beginCreateOrUpdateAndWait(
      c.resourceGroup,
      c.name,
      p.name,
      { ...current, count: p.count },
      { abortSignal: aksCtx.signal, updateIntervalInMs: pollMs(aksCtx) },
    );
    return;
  }
  aksCtx.progress(`adding FPGA node pool ${p.name}: ${p.count} x ${p.vmSize} (takes minutes)`);
  await arm.agentPools.beginCreateOrUpdateAndWait(
    c.resourceGroup,
    c.name,
    p.name,
    {
      vmSize: p.vmSize,
      count: p.count,
      mode: 'User',
      osType: 'Linux',
      nodeLabels: { [ACCELERATOR_LABEL]: 'fpga' },
      nodeTaints: p.taints,
      tags: { [TAG_CREATED_BY]: 'dove' },
    },
    { abortSignal: aksCtx.signal, updateIntervalInMs: pollMs(aksCtx) },
  );
}

/** Deletes the pool and waits. */
export async function deletePool(aksCtx: AksCtx, name: string): Promise<void> {
  const c = aksCtx.config.cluster!;
  aksCtx.progress(`deleting FPGA node pool ${name}`);
  await client(aksCtx).agentPools.beginDeleteAndWait(c.resourceGroup, c.name, name, {
    abortSignal: aksCtx.signal,
    updateIntervalInMs: pollMs(aksCtx),
  });
}
