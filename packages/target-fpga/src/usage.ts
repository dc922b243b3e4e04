// Who else runs on a node pool: pods on its nodes and workloads that select it. Destroy keeps
// a pool while anything but this environment's own pods uses it.
import type { TargetContext } from '@dove/deploy-core';
import { type AksConfig, kubeConfigFrom, kubeconfigText, withKubeRetry } from '@dove/target-aks';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { POOL_LABEL } from './pool.ts';

/** `namespace/name` of pods and Deployments using `pool`, except those of `own` (labels). */
export async function poolUsers(
  aksCtx: TargetContext<AksConfig>,
  pool: string,
  own: { namespace: string; app: string },
): Promise<string[]> {
  const kc = kubeConfigFrom(await kubeconfigText(aksCtx), aksCtx.config.context);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  // Every read is counted per attempt and retried on 429/5xx/dropped connections, as the AKS target's.
  const get = <T>(fn: () => Promise<T>) =>
    withKubeRetry(() => {
      aksCtx.requests.count('k8s', 'GET');
      return fn();
    });
  const nodes = await get(() => core.listNode({ labelSelector: `${POOL_LABEL}=${pool}` }));
  const names = new Set(nodes.items.map((n) => n.metadata?.name ?? ''));
  const mine = (ns?: string, labels?: Record<string, string>) =>
    ns === own.namespace && labels?.['app.kubernetes.io/name'] === own.app;
  const users = new Set<string>();
  const deployments = (await get(() => apps.listDeploymentForAllNamespaces())).items;
  const replicaSets = (await get(() => apps.listReplicaSetForAllNamespaces())).items;
  const liveDeployments = new Set(deployments.map((d) => `${d.metadata?.namespace}/${d.metadata?.uid}`));
  const rsByName = new Map(replicaSets.map((r) => [`${r.metadata?.namespace}/${r.metadata?.name}`, r]));
  // A pod whose ReplicaSet or Deployment is gone is being garbage-collected: it uses nothing.
  const orphan = (ns: string | undefined, owners: { kind: string; name: string }[] | undefined) => {
    const rsRef = owners?.find((o) => o.kind === 'ReplicaSet');
    if (!rsRef) return false;
    const rs = rsByName.get(`${ns}/${rsRef.name}`);
    const dRef = rs?.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment');
    return !rs || (dRef !== undefined && !liveDeployments.has(`${ns}/${dRef.uid}`));
  };
  for (const p of (await get(() => core.listPodForAllNamespaces())).items) {
    const ns = p.metadata?.namespace;
    if (mine(ns, p.metadata?.labels) || ns === 'kube-system') continue;
    if (p.metadata?.deletionTimestamp || orphan(ns, p.metadata?.ownerReferences)) continue;
    const selects = p.spec?.nodeSelector?.[POOL_LABEL] === pool;
    if (selects || (p.spec?.nodeName && names.has(p.spec.nodeName)))
      users.add(`pod ${ns}/${p.metadata?.name}`);
  }
  for (const d of deployments) {
    const ns = d.metadata?.namespace;
    if (mine(ns, d.metadata?.labels)) continue;
    if (d.spec?.template.spec?.nodeSelector?.[POOL_LABEL] === pool)
      users.add(`deployment ${ns}/${d.metadata?.name}`);
  }
  return [...users].sort();
}
