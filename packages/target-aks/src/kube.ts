import type { RequestCounter } from '@dove/deploy-core';
import { CoreV1Api, KubeConfig, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { withKubeRetry } from './kube-retry.ts';
import type { Manifest } from './manifests.ts';
import { FIELD_MANAGER } from './names.ts';

/** The Kubernetes calls the target makes, each counted into the deploy's request counts. */
export interface Kube {
  read(kind: string, apiVersion: string, namespace: string, name: string): Promise<Manifest | undefined>;
  /** Server-side apply as field manager `dove` (forced: Dove owns these fields). */
  apply(m: Manifest): Promise<Manifest>;
  remove(kind: string, apiVersion: string, namespace: string, name: string): Promise<boolean>;
  pods(namespace: string, selector: Record<string, string>): Promise<PodSummary[]>;
  events(namespace: string, namePrefix: string): Promise<string[]>;
  logs(namespace: string, pod: string, tail: number): Promise<string>;
  server: string;
}

export interface PodSummary {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  /** `CrashLoopBackOff`, `ImagePullBackOff`, `Error`... when the container is not running. */
  reason?: string;
  message?: string;
}

const isNotFound = (err: unknown) => (err as { code?: number }).code === 404;

export function kubeConfigFrom(text: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  if (context) kc.setCurrentContext(context);
  return kc;
}

export function connect(kc: KubeConfig, requests: RequestCounter): Kube {
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const core = kc.makeApiClient(CoreV1Api);
  /** One counted request per attempt; transient failures are retried (see kube-retry.ts). */
  const call = <T>(method: string, fn: () => Promise<T>) =>
    withKubeRetry(() => {
      requests.count('k8s', method);
      return fn();
    });
  const header = (kind: string, apiVersion: string, namespace: string, name: string) => ({
    kind,
    apiVersion,
    metadata: { name, namespace },
  });
  return {
    server: kc.getCurrentCluster()?.server ?? '',
    async read(kind, apiVersion, namespace, name) {
      try {
        return (await call('GET', () =>
          objects.read(header(kind, apiVersion, namespace, name)),
        )) as unknown as Manifest;
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async apply(m) {
      const out = await call('PATCH', () =>
        objects.patch(m, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply),
      );
      return out as unknown as Manifest;
    },
    async remove(kind, apiVersion, namespace, name) {
      try {
        await call('DELETE', () => objects.delete(header(kind, apiVersion, namespace, name)));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },
    async pods(namespace, selector) {
      const labelSelector = Object.entries(selector)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      const list = await call('GET', () => core.listNamespacedPod({ namespace, labelSelector }));
      return list.items.map((p) => {
        const cs = p.status?.containerStatuses?.[0];
        const waiting = cs?.state?.waiting;
        const terminated = cs?.state?.terminated ?? cs?.lastState?.terminated;
        const summary: PodSummary = {
          name: p.metadata?.name ?? '',
          phase: p.status?.phase ?? 'Unknown',
          ready: cs?.ready === true,
          restarts: cs?.restartCount ?? 0,
        };
        const reason = waiting?.reason ?? (cs?.ready ? undefined : terminated?.reason);
        const message = waiting?.message ?? terminated?.message;
        if (reason) summary.reason = reason;
        if (message) summary.message = message;
        return summary;
      });
    },
    async events(namespace, namePrefix) {
      const list = await call('GET', () => core.listNamespacedEvent({ namespace }));
      return list.items
        .filter((e) => e.involvedObject?.name?.startsWith(namePrefix))
        .slice(-10)
        .map((e) =>
          `${e.type ?? ''} ${e.reason ?? ''} ${e.involvedObject?.kind ?? ''}/${e.involvedObject?.name ?? ''}: ${e.message ?? ''}`.trim(),
        );
    },
    async logs(namespace, pod, tail) {
      try {
        return await call('GET', () => core.readNamespacedPodLog({ namespace, name: pod, tailLines: tail }));
      } catch {
        return '';
      }
    },
  };
}
