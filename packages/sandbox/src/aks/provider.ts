import type {
  ArmHost,
  ArmProvider,
  ArmProviderFactory,
  ArmRequest,
  ArmResponse,
  SandboxNetworkContext,
} from '../types.ts';
import {
  type ClusterRecord,
  ClusterStore,
  clusterJson,
  newETag,
  nodePoolsOf,
  type PoolRecord,
  poolJson,
} from './cluster-store.ts';
import { loadKubeFactory } from './kube-link.ts';
import {
  clusterNameProblem,
  clusterProblem,
  poolNameProblem,
  poolProblem,
  type Refusal,
} from './validate.ts';
import { normaliseLocation } from './vm-sizes.ts';

const NAMESPACE = 'Microsoft.ContainerService';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SeedOptions {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** Agent pool profiles as in a managed cluster PUT; default: one System pool of 3 `Standard_DS2_v2`. */
  nodePools?: Json[];
}

export interface AksProvider extends ArmProvider {
  /** Makes a cluster that exists at once (no operation), e.g. the sandbox's pre-existing one. */
  seedCluster(options: SeedOptions): Promise<{ kubeconfig: string }>;
}

function refuse(arm: ArmHost, r: Refusal): ArmResponse {
  return arm.error(r.status, r.code, r.message);
}

/** `Microsoft.ContainerService/managedClusters` and their agent pools, with AKS's rules and operations. */
export const createAksProvider: ArmProviderFactory = (ctx, arm) => createProvider(ctx, arm);

function createProvider(ctx: SandboxNetworkContext, arm: ArmHost): AksProvider {
  const store = new ClusterStore();
  const kubeFactory = loadKubeFactory();

  async function syncKube(c: ClusterRecord): Promise<void> {
    const create = await kubeFactory;
    if (!create) return;
    if (c.kube) c.kube.setNodePools(nodePoolsOf(c));
    else c.kube = await create(ctx, { name: c.name, nodePools: nodePoolsOf(c) });
  }

  function kubeconfigOf(c: ClusterRecord): string {
    if (!c.kube) {
      throw Object.assign(new Error(`Cluster ${c.name} has no Kubernetes API server in this sandbox.`), {
        code: 'ClusterNotReady',
      });
    }
    return c.kube.kubeconfig();
  }

  function poolsFromProfiles(profiles: Json[]): Map<string, PoolRecord> {
    const pools = new Map<string, PoolRecord>();
    const hasSystem = profiles.some((p) => p.mode === 'System');
    for (const [i, profile] of profiles.entries()) {
      const { name, ...properties } = profile;
      if (properties.mode === undefined) properties.mode = !hasSystem && i === 0 ? 'System' : 'User';
      pools.set(String(name), { name: String(name), properties, provisioningState: 'Succeeded' });
    }
    return pools;
  }

  function operation(c: ClusterRecord, pools: PoolRecord[], work: () => Promise<void>) {
    return arm.startOperation({
      namespace: NAMESPACE,
      location: c.location,
      work: async () => {
        await sleep(ctx.delays.provisionMs);
        await work();
        c.provisioningState = 'Succeeded';
        for (const p of pools) p.provisioningState = 'Succeeded';
      },
      onFail: () => {
        c.provisioningState = 'Failed';
        for (const p of pools) p.provisioningState = 'Failed';
      },
    });
  }

  function busy(c: ClusterRecord): ArmResponse | undefined {
    if (c.provisioningState === 'Succeeded' || c.provisioningState === 'Failed') return undefined;
    return arm.error(
      409,
      'OperationNotAllowed',
      `Operation is not allowed because there's an in progress ${c.provisioningState.toLowerCase()} operation on managed cluster '${c.name}'. Please wait for it to finish before trying again.`,
    );
  }

  function putCluster(req: ArmRequest, rg: string, name: string): ArmResponse {
    const nameProblem = clusterNameProblem(name);
    if (nameProblem) return refuse(arm, nameProblem);
    const problem = clusterProblem(req.body);
    if (problem) return refuse(arm, problem);
    const body = req.body as Json;
    const { agentPoolProfiles, provisioningState: _ignored, ...properties } = body.properties as Json;
    const existing = store.get(req.subscriptionId, rg, name);
    if (existing) {
      const conflict = busy(existing);
      if (conflict) return conflict;
    }
    const c: ClusterRecord = existing ?? {
      subscriptionId: req.subscriptionId,
      resourceGroup: rg,
      name,
      location: normaliseLocation(String(body.location)),
      tags: {},
      properties: {},
      pools: new Map(),
      provisioningState: 'Creating',
      eTag: newETag(),
    };
    if (existing && normaliseLocation(String(body.location)) !== existing.location) {
      return arm.error(
        400,
        'InvalidParameter',
        `The location of managed cluster '${name}' cannot be changed from '${existing.location}' to '${String(body.location)}'.`,
      );
    }
    c.tags = isObject(body.tags) ? (body.tags as Record<string, string>) : {};
    c.properties = properties;
    c.pools = poolsFromProfiles(agentPoolProfiles as Json[]);
    for (const p of c.pools.values()) p.provisioningState = existing ? 'Updating' : 'Creating';
    c.provisioningState = existing ? 'Updating' : 'Creating';
    c.eTag = newETag();
    store.put(c);
    const op = operation(c, [...c.pools.values()], () => syncKube(c));
    return { status: existing ? 200 : 201, body: clusterJson(c), headers: op.headers };
  }

  function deleteCluster(c: ClusterRecord): ArmResponse {
    const conflict = busy(c);
    if (conflict) return conflict;
    c.provisioningState = 'Deleting';
    const op = arm.startOperation({
      namespace: NAMESPACE,
      location: c.location,
      work: async () => {
        await sleep(ctx.delays.provisionMs);
        await c.kube?.stop();
        c.kube = undefined;
        store.delete(c);
      },
    });
    return { status: 202, headers: op.headers };
  }

  function putPool(req: ArmRequest, c: ClusterRecord, poolName: string): ArmResponse {
    const nameProblem = poolNameProblem(poolName, 'agentPoolName');
    if (nameProblem) return refuse(arm, nameProblem);
    const body = req.body;
    if (!isObject(body) || !isObject(body.properties)) {
      return arm.error(400, 'InvalidParameter', 'The value of parameter properties is required.');
    }
    const problem = poolProblem(body.properties, 'properties', c.location);
    if (problem) return refuse(arm, problem);
    const conflict = busy(c);
    if (conflict) return conflict;
    const existing = c.pools.get(poolName);
    const { provisioningState: _ignored, ...properties } = body.properties;
    if (properties.mode === undefined) properties.mode = existing?.properties.mode ?? 'User';
    if (existing?.properties.mode === 'System' && properties.mode !== 'System' && systemPools(c) === 1) {
      return arm.error(
        400,
        'OperationNotAllowed',
        `Agent pool '${poolName}' is the cluster's only system pool; it must stay System.`,
      );
    }
    const pool: PoolRecord = {
      name: poolName,
      properties,
      provisioningState: existing ? 'Updating' : 'Creating',
    };
    c.pools.set(poolName, pool);
    c.provisioningState = 'Updating';
    const op = operation(c, [pool], () => syncKube(c));
    return { status: existing ? 200 : 201, body: poolJson(c, pool), headers: op.headers };
  }

  const systemPools = (c: ClusterRecord) =>
    [...c.pools.values()].filter((p) => p.properties.mode === 'System').length;

  function deletePool(c: ClusterRecord, pool: PoolRecord): ArmResponse {
    if (pool.properties.mode === 'System' && systemPools(c) === 1) {
      return arm.error(
        400,
        'OperationNotAllowed',
        `Agent pool '${pool.name}' is the cluster's last system pool and cannot be deleted.`,
      );
    }
    const conflict = busy(c);
    if (conflict) return conflict;
    pool.provisioningState = 'Deleting';
    c.provisioningState = 'Updating';
    const op = operation(c, [], async () => {
      c.pools.delete(pool.name);
      await syncKube(c);
    });
    return { status: 202, headers: op.headers };
  }

  function credentials(c: ClusterRecord): ArmResponse {
    if (c.provisioningState === 'Creating' || c.provisioningState === 'Failed') {
      return arm.error(
        409,
        'OperationNotAllowed',
        `Managed cluster '${c.name}' is ${c.provisioningState.toLowerCase()}; credentials are not available yet.`,
      );
    }
    const kubeconfig = kubeconfigOf(c);
    return {
      status: 200,
      body: { kubeconfigs: [{ name: 'clusterUser', value: Buffer.from(kubeconfig).toString('base64') }] },
    };
  }

  const notFound = (what: string, name: string, rg: string) =>
    arm.error(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerService/${what}/${name}' under resource group '${rg}' was not found.`,
    );

  return {
    namespace: NAMESPACE,
    async handle(req) {
      const [type, name, sub, subName, action] = req.providerPath;
      if (type?.toLowerCase() !== 'managedclusters') return undefined;
      const rg = req.resourceGroup;
      const method = req.method.toUpperCase();
      if (rg === undefined) {
        if (name === undefined && method === 'GET') {
          return { status: 200, body: { value: store.list(req.subscriptionId).map(clusterJson) } };
        }
        return undefined;
      }
      if (!arm.resourceGroup(req.subscriptionId, rg)) {
        return arm.error(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
      }
      if (name === undefined) {
        if (method === 'GET')
          return { status: 200, body: { value: store.list(req.subscriptionId, rg).map(clusterJson) } };
        return undefined;
      }
      const c = store.get(req.subscriptionId, rg, name);
      if (sub === undefined) {
        if (method === 'PUT') return putCluster(req, arm.resourceGroup(req.subscriptionId, rg)!.name, name);
        if (!c) return method === 'DELETE' ? { status: 204 } : notFound('managedClusters', name, rg);
        if (method === 'GET') return { status: 200, body: clusterJson(c) };
        if (method === 'DELETE') return deleteCluster(c);
        return undefined;
      }
      if (!c) return notFound('managedClusters', name, rg);
      const subLower = sub.toLowerCase();
      if (subLower === 'listclusterusercredential' && method === 'POST') return credentials(c);
      if (subLower !== 'agentpools' || action !== undefined) return undefined;
      if (subName === undefined) {
        if (method === 'GET')
          return { status: 200, body: { value: [...c.pools.values()].map((p) => poolJson(c, p)) } };
        return undefined;
      }
      if (method === 'PUT') return putPool(req, c, subName);
      const pool = c.pools.get(subName);
      if (!pool)
        return method === 'DELETE'
          ? { status: 204 }
          : notFound(`managedClusters/${name}/agentPools`, subName, rg);
      if (method === 'GET') return { status: 200, body: poolJson(c, pool) };
      if (method === 'DELETE') return deletePool(c, pool);
      return undefined;
    },
    async seedCluster(options) {
      const profiles = options.nodePools ?? [
        { name: 'system', mode: 'System', vmSize: 'Standard_DS2_v2', count: 3 },
      ];
      const body = {
        location: options.location,
        properties: { dnsPrefix: options.name, agentPoolProfiles: profiles },
      };
      const problem = clusterNameProblem(options.name) ?? clusterProblem(body);
      if (problem) throw new Error(`seedCluster ${options.name}: ${problem.code}: ${problem.message}`);
      const c: ClusterRecord = {
        subscriptionId: options.subscriptionId,
        resourceGroup: options.resourceGroup,
        name: options.name,
        location: normaliseLocation(options.location),
        tags: {},
        properties: { dnsPrefix: options.name },
        pools: poolsFromProfiles(profiles.map((p) => ({ ...p }))),
        provisioningState: 'Succeeded',
        eTag: newETag(),
      };
      await syncKube(c);
      store.put(c);
      return { kubeconfig: c.kube ? c.kube.kubeconfig() : '' };
    },
    async deleteResourceGroup(subscriptionId: string, resourceGroup: string) {
      for (const c of store.list(subscriptionId, resourceGroup)) {
        await c.kube?.stop();
        store.delete(c);
      }
    },
    async close() {
      await Promise.all(store.all().map((c) => c.kube?.stop()));
    },
  };
}

/** Seeds a cluster on a provider made by `createAksProvider` (the sandbox's pre-existing cluster, or a test's). */
export function seedCluster(provider: ArmProvider, options: SeedOptions): Promise<{ kubeconfig: string }> {
  if (!('seedCluster' in provider)) throw new Error('seedCluster: not an AKS provider');
  return (provider as AksProvider).seedCluster(options);
}
