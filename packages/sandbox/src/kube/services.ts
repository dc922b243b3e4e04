import type { ContainerProcess, SandboxNetworkContext } from '../types.ts';
import { kindFor } from './kinds.ts';
import { matchesLabels } from './server.ts';
import type { KubeObject, KubeStore } from './store.ts';

const servicesKind = kindFor('', 'v1', 'services')!;
const podsKind = kindFor('', 'v1', 'pods')!;

type Svc = KubeObject & {
  spec?: { type?: string; selector?: Record<string, string>; ports?: { port: number }[] };
};

/**
 * LoadBalancer Services get a 127.x.y.z address; each connection to ip:port goes to the next
 * ready pod the selector matches (round-robin), so moving labels or pod counts moves traffic.
 */
export function startServiceRouter(
  ctx: SandboxNetworkContext,
  store: KubeStore,
  processOf: (namespace: string, pod: string) => ContainerProcess | undefined,
) {
  const open = new Map<string, { ip: string; closers: { close(): Promise<void> }[] }>();
  let turn = 0;

  function readyPorts(ns: string, selector: Record<string, string> = {}): number[] {
    const sel = Object.entries(selector)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    return store
      .list(podsKind, ns)
      .filter((p) => matchesLabels(sel, p.metadata.labels as Record<string, string>))
      .filter((p) =>
        (p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions?.some(
          (c) => c.type === 'Ready' && c.status === 'True',
        ),
      )
      .map((p) => processOf(ns, p.metadata.name)?.port)
      .filter((port): port is number => port !== undefined);
  }

  async function expose(svc: Svc): Promise<void> {
    const ns = svc.metadata.namespace ?? 'default';
    const key = `${ns}/${svc.metadata.name}`;
    if (svc.spec?.type !== 'LoadBalancer' || open.has(key)) return;
    const ip = ctx.network.allocateIp();
    const entry = { ip, closers: [] as { close(): Promise<void> }[] };
    open.set(key, entry);
    for (const p of svc.spec.ports ?? [])
      entry.closers.push(
        await ctx.network.forward(ip, p.port, () => {
          const current = store.get(servicesKind, ns, svc.metadata.name) as Svc | undefined;
          const ports = readyPorts(ns, current?.spec?.selector);
          return ports.length ? ports[turn++ % ports.length] : undefined;
        }),
      );
    store.update(servicesKind, ns, {
      ...svc,
      ...store.get(servicesKind, ns, svc.metadata.name),
      status: { loadBalancer: { ingress: [{ ip }] } },
    });
  }

  async function unexpose(key: string): Promise<void> {
    const entry = open.get(key);
    open.delete(key);
    if (entry) await Promise.all(entry.closers.map((c) => c.close()));
  }

  const stopWatch = store.watch(servicesKind, undefined, (e) => {
    const key = `${e.object.metadata.namespace}/${e.object.metadata.name}`;
    if (e.type === 'DELETED' || (e.object as Svc).spec?.type !== 'LoadBalancer') void unexpose(key);
    else void expose(e.object as Svc).catch((err) => ctx.log(`kube service ${key}: ${String(err)}`));
  });

  return {
    async stop() {
      stopWatch();
      await Promise.all([...open.keys()].map(unexpose));
    },
  };
}
