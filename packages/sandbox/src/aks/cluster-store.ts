import { createHash } from 'node:crypto';
import type { KubeClusterHandle, NodePool } from './node-pools.ts';
import { nodeCapacity } from './node-pools.ts';

export type ProvisioningState = 'Creating' | 'Updating' | 'Deleting' | 'Succeeded' | 'Failed';

export interface PoolRecord {
  name: string;
  properties: Record<string, unknown>;
  provisioningState: ProvisioningState;
}

export interface ClusterRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** Properties as sent (minus agentPoolProfiles, kept in `pools`). */
  properties: Record<string, unknown>;
  pools: Map<string, PoolRecord>;
  provisioningState: ProvisioningState;
  eTag: string;
  kube?: KubeClusterHandle;
}

const key = (sub: string, rg: string, name: string) => `${sub}/${rg}/${name}`.toLowerCase();

/** Managed clusters by subscription, resource group and name (names compare case-insensitively, as in ARM). */
export class ClusterStore {
  #clusters = new Map<string, ClusterRecord>();

  get(sub: string, rg: string, name: string): ClusterRecord | undefined {
    return this.#clusters.get(key(sub, rg, name));
  }
  put(c: ClusterRecord): void {
    this.#clusters.set(key(c.subscriptionId, c.resourceGroup, c.name), c);
  }
  delete(c: ClusterRecord): void {
    this.#clusters.delete(key(c.subscriptionId, c.resourceGroup, c.name));
  }
  list(sub: string, rg?: string): ClusterRecord[] {
    return [...this.#clusters.values()].filter(
      (c) =>
        c.subscriptionId.toLowerCase() === sub.toLowerCase() &&
        (rg === undefined || c.resourceGroup.toLowerCase() === rg.toLowerCase()),
    );
  }
  all(): ClusterRecord[] {
    return [...this.#clusters.values()];
  }
}

export const newETag = () =>
  createHash('sha256').update(`${Date.now()}${Math.random()}`).digest('hex').slice(0, 16);

export function clusterId(c: Pick<ClusterRecord, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
}

const KUBERNETES_VERSION = '1.32.6';

function poolProperties(p: PoolRecord): Record<string, unknown> {
  return {
    count: 1,
    mode: 'User',
    osType: 'Linux',
    osSKU: 'Ubuntu',
    type: 'VirtualMachineScaleSets',
    maxPods: 110,
    enableAutoScaling: false,
    ...p.properties,
    orchestratorVersion: KUBERNETES_VERSION,
    currentOrchestratorVersion: KUBERNETES_VERSION,
    nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202611.01.0',
    provisioningState: p.provisioningState,
    powerState: { code: 'Running' },
  };
}

/** The agent pool resource as AKS returns it. */
export function poolJson(c: ClusterRecord, p: PoolRecord): Record<string, unknown> {
  return {
    id: `${clusterId(c)}/agentPools/${p.name}`,
    name: p.name,
    type: 'Microsoft.ContainerService/managedClusters/agentPools',
    properties: poolProperties(p),
  };
}

/** The managed cluster resource as AKS returns it. */
export function clusterJson(c: ClusterRecord): Record<string, unknown> {
  const prefix = (c.properties.dnsPrefix ?? c.properties.fqdnSubdomain) as string;
  const suffix = createHash('sha256').update(clusterId(c).toLowerCase()).digest('hex').slice(0, 8);
  const fqdn = `${prefix}-${suffix}.hcp.${c.location}.azmk8s.io`;
  return {
    id: clusterId(c),
    name: c.name,
    type: 'Microsoft.ContainerService/ManagedClusters',
    location: c.location,
    tags: c.tags,
    eTag: c.eTag,
    sku: { name: 'Base', tier: 'Free' },
    identity: c.properties.servicePrincipalProfile ? undefined : { type: 'SystemAssigned' },
    properties: {
      enableRBAC: true,
      ...c.properties,
      kubernetesVersion: KUBERNETES_VERSION,
      currentKubernetesVersion: KUBERNETES_VERSION,
      provisioningState: c.provisioningState,
      powerState: { code: 'Running' },
      fqdn,
      azurePortalFQDN: `${prefix}-${suffix}.portal.hcp.${c.location}.azmk8s.io`,
      nodeResourceGroup: `MC_${c.resourceGroup}_${c.name}_${c.location}`,
      maxAgentPools: 100,
      agentPoolProfiles: [...c.pools.values()].map((p) => ({ name: p.name, ...poolProperties(p) })),
      networkProfile: {
        networkPlugin: 'kubenet',
        loadBalancerSku: 'standard',
        outboundType: 'loadBalancer',
        podCidr: '10.244.0.0/16',
        serviceCidr: '10.0.0.0/16',
        dnsServiceIP: '10.0.0.10',
      },
    },
  };
}

/** The node pools the cluster's Kubernetes API should show. */
export function nodePoolsOf(c: ClusterRecord): NodePool[] {
  return [...c.pools.values()].map((p) => {
    const props = p.properties;
    const pool: NodePool = {
      name: p.name,
      vmSize: String(props.vmSize),
      count: typeof props.count === 'number' ? props.count : 1,
      mode: props.mode === 'System' ? 'System' : 'User',
      enableAutoScaling: props.enableAutoScaling === true,
      nodeLabels: (props.nodeLabels as Record<string, string> | undefined) ?? {},
      nodeTaints: (props.nodeTaints as string[] | undefined) ?? [],
      capacity: nodeCapacity(String(props.vmSize)),
    };
    if (typeof props.minCount === 'number') pool.minCount = props.minCount;
    if (typeof props.maxCount === 'number') pool.maxCount = props.maxCount;
    return pool;
  });
}
