import { createHash } from 'node:crypto';
import { ImagePullError } from '../errors.ts';
import type { ContainerProcess, SandboxNetworkContext } from '../types.ts';
import { kindFor } from './kinds.ts';
import { ReadinessTracker } from './probes.ts';
import { type SchedNode, type SchedPod, schedule } from './scheduler.ts';
import type { KubeObject, KubeStore } from './store.ts';

type Obj = KubeObject & { spec?: any; status?: any };

const deployments = kindFor('apps', 'v1', 'deployments')!;
const replicaSets = kindFor('apps', 'v1', 'replicasets')!;
const pods = kindFor('', 'v1', 'pods')!;
const secrets = kindFor('', 'v1', 'secrets')!;
const configMaps = kindFor('', 'v1', 'configmaps')!;
const nodes = kindFor('', 'v1', 'nodes')!;
const events = kindFor('', 'v1', 'events')!;
const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/**
 * The deployment controller: one ReplicaSet per pod template, pods run as local processes, and
 * old pods kept until the new ones are ready, so a broken new version never takes the old down.
 */
export function startDeploymentController(ctx: SandboxNetworkContext, store: KubeStore, periodMs = 200) {
  const processes = new Map<string, ContainerProcess | { pullError: string }>();
  const readiness = new Map<string, ReadinessTracker>();
  /** Pods no node fits, with the scheduler's message. */
  const unschedulable = new Map<string, string>();

  function warn(pod: Obj, reason: string, message: string, component: string): void {
    const ns = pod.metadata.namespace ?? 'default';
    const name = `${pod.metadata.name}.${createHash('sha256').update(reason).digest('hex').slice(0, 16)}`;
    const prev = store.get(events, ns, name) as (Obj & { count?: number }) | undefined;
    const event = {
      metadata: { name, namespace: ns },
      involvedObject: {
        kind: 'Pod',
        apiVersion: 'v1',
        namespace: ns,
        name: pod.metadata.name,
        uid: pod.metadata.uid,
      },
      reason,
      message,
      type: 'Warning',
      source: { component },
      reportingComponent: component,
      count: (prev?.count ?? 0) + 1,
      firstTimestamp: (prev as any)?.firstTimestamp ?? now(),
      lastTimestamp: now(),
    };
    if (prev) store.update(events, ns, { ...prev, ...event, metadata: prev.metadata });
    else store.create(events, ns, event as unknown as Obj);
  }

  /** Binds the pod to a node it fits on and starts it, or leaves it Pending with FailedScheduling. */
  function trySchedule(pod: Obj): Obj {
    const ns = pod.metadata.namespace ?? 'default';
    const key = `${ns}/${pod.metadata.name}`;
    const placed = (store.list(pods) as Obj[]).filter((p) => p.spec?.nodeName) as unknown as SchedPod[];
    const r = schedule(pod as unknown as SchedPod, store.list(nodes) as unknown as SchedNode[], placed);
    if ('node' in r) {
      unschedulable.delete(key);
      const bound = store.update(pods, ns, { ...pod, spec: { ...pod.spec, nodeName: r.node } }) as Obj;
      startPod(bound);
      return bound;
    }
    if (unschedulable.get(key) !== r.message) warn(pod, 'FailedScheduling', r.message, 'default-scheduler');
    unschedulable.set(key, r.message);
    return pod;
  }

  function envOf(ns: string, container: any): Record<string, string> {
    const env: Record<string, string> = {};
    for (const e of container.env ?? []) {
      if (e.value !== undefined) env[e.name] = String(e.value);
      const sk = e.valueFrom?.secretKeyRef;
      const ck = e.valueFrom?.configMapKeyRef;
      if (sk) {
        const s = store.get(secrets, ns, sk.name) as Obj | undefined;
        const v = (s?.data as Record<string, string> | undefined)?.[sk.key];
        if (v !== undefined) env[e.name] = Buffer.from(v, 'base64').toString('utf8');
      }
      if (ck) {
        const c = store.get(configMaps, ns, ck.name) as Obj | undefined;
        const v = (c?.data as Record<string, string> | undefined)?.[ck.key];
        if (v !== undefined) env[e.name] = v;
      }
    }
    return env;
  }

  function startPod(pod: Obj): void {
    const ns = pod.metadata.namespace ?? 'default';
    const key = `${ns}/${pod.metadata.name}`;
    const c = pod.spec.containers[0];
    try {
      const proc = ctx.images.start(c.image, {
        env: envOf(ns, c),
        containerPort: c.ports?.[0]?.containerPort ?? 80,
        name: pod.metadata.name,
      });
      processes.set(key, proc);
      readiness.set(key, new ReadinessTracker(c.readinessProbe));
    } catch (e) {
      if (!(e instanceof ImagePullError)) throw e;
      processes.set(key, { pullError: e.message });
    }
  }

  function podStatus(pod: Obj): { ready: boolean; status: Record<string, unknown> } {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const p = processes.get(key);
    const name = pod.spec.containers[0].name;
    if (!p) {
      const why = unschedulable.get(key);
      const conditions = why
        ? [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: why }]
        : [];
      return { ready: false, status: { phase: 'Pending', conditions } };
    }
    if ('pullError' in p) {
      const cs = {
        name,
        ready: false,
        restartCount: 0,
        image: pod.spec.containers[0].image,
        state: { waiting: { reason: 'ErrImagePull', message: p.pullError } },
      };
      return { ready: false, status: { phase: 'Pending', containerStatuses: [cs] } };
    }
    const s = p.state();
    const running = s.state === 'Running';
    const ready = readiness.get(key)?.tick(running, s.restartCount, p.port) ?? running;
    const state = running
      ? { running: { startedAt: pod.metadata.creationTimestamp } }
      : s.state === 'Waiting'
        ? { waiting: { reason: s.reason ?? 'ContainerCreating' } }
        : { terminated: { exitCode: s.exitCode ?? 0, reason: s.reason ?? 'Error' } };
    return {
      ready,
      status: {
        phase: running || s.restartCount > 0 ? 'Running' : 'Pending',
        podIP: '127.0.0.1',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Initialized', status: 'True' },
          { type: 'ContainersReady', status: ready ? 'True' : 'False' },
          { type: 'Ready', status: ready ? 'True' : 'False' },
        ],
        containerStatuses: [
          { name, ready, restartCount: s.restartCount, image: pod.spec.containers[0].image, state },
        ],
      },
    };
  }

  async function deletePod(pod: Obj): Promise<void> {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    const p = processes.get(key);
    processes.delete(key);
    readiness.get(key)?.stop();
    readiness.delete(key);
    unschedulable.delete(key);
    store.delete(pods, pod.metadata.namespace, pod.metadata.name);
    if (p && !('pullError' in p)) await p.stop();
  }

  /** Pods of a ReplicaSet brought to `want`; returns how many are ready. */
  async function syncReplicaSet(rs: Obj, want: number): Promise<number> {
    const ns = rs.metadata.namespace ?? 'default';
    const mine = store
      .list(pods, ns)
      .filter(
        (p) =>
          p.metadata.labels &&
          (p.metadata.labels as any)['pod-template-hash'] ===
            (rs.metadata.labels as any)['pod-template-hash'] &&
          (p.metadata.ownerReferences as any)?.[0]?.name === rs.metadata.name,
      ) as Obj[];
    for (let i = mine.length; i < want; i++) {
      const pod = store.create(pods, ns, {
        metadata: {
          name: `${rs.metadata.name}-${Math.random().toString(36).slice(2, 7)}`,
          labels: {
            ...(rs.spec.template.metadata?.labels ?? {}),
            'pod-template-hash': (rs.metadata.labels as any)['pod-template-hash'],
          },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name,
              uid: rs.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: { ...rs.spec.template.spec, nodeName: undefined },
        status: { phase: 'Pending' },
      }) as Obj;
      mine.push(pod);
    }
    for (const extra of mine.splice(want)) await deletePod(extra);
    for (let i = 0; i < mine.length; i++)
      if (!processes.has(`${ns}/${mine[i]!.metadata.name}`)) mine[i] = trySchedule(mine[i]!);
    let ready = 0;
    for (const pod of mine) {
      const { ready: r, status } = podStatus(pod);
      if (r) ready++;
      if (JSON.stringify(status) !== JSON.stringify(pod.status)) store.update(pods, ns, { ...pod, status });
    }
    const status = {
      replicas: mine.length,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: rs.metadata.generation,
    };
    if (JSON.stringify(status) !== JSON.stringify(rs.status) || rs.spec.replicas !== want)
      store.update(replicaSets, ns, { ...rs, spec: { ...rs.spec, replicas: want }, status });
    return ready;
  }

  async function syncDeployment(d: Obj): Promise<void> {
    const ns = d.metadata.namespace ?? 'default';
    const want = d.spec.replicas ?? 1;
    const hash = createHash('sha256').update(JSON.stringify(d.spec.template)).digest('hex').slice(0, 10);
    const rsName = `${d.metadata.name}-${hash}`;
    const owned = store
      .list(replicaSets, ns)
      .filter((rs) => (rs.metadata.ownerReferences as any)?.[0]?.uid === d.metadata.uid) as Obj[];
    let current = owned.find((rs) => rs.metadata.name === rsName);
    if (!current)
      current = store.create(replicaSets, ns, {
        metadata: {
          name: rsName,
          labels: { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash },
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'Deployment',
              name: d.metadata.name,
              uid: d.metadata.uid,
              controller: true,
            },
          ],
        },
        spec: { replicas: want, selector: d.spec.selector, template: d.spec.template },
      }) as Obj;
    const ready = await syncReplicaSet(current, want);
    let oldReady = 0;
    let oldCount = 0;
    for (const rs of owned) {
      if (rs.metadata.name === rsName) continue;
      // Old pods go only once the new version serves all replicas.
      const keep = ready >= want ? 0 : (rs.spec.replicas ?? 0);
      const r = await syncReplicaSet(rs, keep);
      oldReady += r;
      oldCount += keep;
      if (keep === 0 && ready >= want) store.delete(replicaSets, ns, rs.metadata.name);
    }
    const complete = ready >= want && oldCount === 0;
    const started = Date.parse(
      d.status?.conditions?.find((c: any) => c.type === 'Progressing')?.lastUpdateTime ?? now(),
    );
    const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
    const progressing = complete
      ? {
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${rsName}" has successfully progressed.`,
        }
      : Date.now() - started > deadline && d.status?.observedGeneration === d.metadata.generation
        ? {
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: `ReplicaSet "${rsName}" has timed out progressing.`,
          }
        : { status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` };
    const prev = d.status?.conditions?.find((c: any) => c.type === 'Progressing');
    const sameGen = d.status?.observedGeneration === d.metadata.generation;
    const status = {
      observedGeneration: d.metadata.generation,
      replicas: want + oldCount,
      updatedReplicas: want,
      readyReplicas: ready + oldReady,
      availableReplicas: ready + oldReady,
      ...(ready + oldReady < want + oldCount
        ? { unavailableReplicas: want + oldCount - ready - oldReady }
        : {}),
      conditions: [
        {
          type: 'Available',
          status: ready + oldReady >= want ? 'True' : 'False',
          reason: ready + oldReady >= want ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: 'Deployment availability.',
          lastUpdateTime: now(),
          lastTransitionTime: now(),
        },
        {
          type: 'Progressing',
          ...progressing,
          lastUpdateTime:
            sameGen &&
            prev &&
            prev.reason !== 'NewReplicaSetAvailable' &&
            progressing.reason !== 'NewReplicaSetAvailable'
              ? prev.lastUpdateTime
              : now(),
          lastTransitionTime: now(),
        },
      ],
    };
    const strip = (s: any) =>
      JSON.stringify({
        ...s,
        conditions: s?.conditions?.map((c: any) => ({ ...c, lastUpdateTime: 0, lastTransitionTime: 0 })),
      });
    if (strip(status) !== strip(d.status)) store.update(deployments, ns, { ...d, status });
  }

  /**
   * The garbage collector (background deletion, Kubernetes' default): ReplicaSets whose Deployment
   * is gone, then pods whose ReplicaSet is gone, and processes whose pod is gone. Without it a
   * Deployment deleted and created again under the same name finds its old ReplicaSet's name taken.
   */
  async function collectGarbage(): Promise<void> {
    const ownerGone = (o: Obj, kind: string, live: Set<string>) => {
      const ref = (o.metadata.ownerReferences as { kind?: string; uid?: string }[] | undefined)?.[0];
      return ref?.kind === kind && ref.uid !== undefined && !live.has(ref.uid);
    };
    const liveDeployments = new Set(store.list(deployments).map((d) => String(d.metadata.uid)));
    for (const rs of store.list(replicaSets) as Obj[])
      if (ownerGone(rs, 'Deployment', liveDeployments))
        store.delete(replicaSets, rs.metadata.namespace, rs.metadata.name);
    const liveReplicaSets = new Set(store.list(replicaSets).map((rs) => String(rs.metadata.uid)));
    for (const pod of store.list(pods) as Obj[])
      if (ownerGone(pod, 'ReplicaSet', liveReplicaSets)) await deletePod(pod);
    const livePods = new Set(store.list(pods).map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    for (const key of [...processes.keys()])
      if (!livePods.has(key)) {
        const p = processes.get(key);
        processes.delete(key);
        readiness.get(key)?.stop();
        readiness.delete(key);
        if (p && !('pullError' in p)) await p.stop();
      }
  }

  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      await collectGarbage().catch((e: unknown) =>
        ctx.log(`kube garbage collector: ${e instanceof Error ? e.message : String(e)}`),
      );
      // One broken Deployment must not stop the others from being reconciled.
      for (const d of store.list(deployments) as Obj[])
        await syncDeployment(d).catch((e: unknown) =>
          ctx.log(
            `kube controller: ${d.metadata.namespace}/${d.metadata.name}: ${e instanceof Error ? e.message : String(e)}`,
          ),
        );
    } finally {
      running = false;
    }
  }, periodMs);

  return {
    processOf(namespace: string, pod: string): ContainerProcess | undefined {
      const p = processes.get(`${namespace}/${pod}`);
      return p && !('pullError' in p) ? p : undefined;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all([...processes.values()].map((p) => ('pullError' in p ? undefined : p.stop())));
      processes.clear();
      for (const r of readiness.values()) r.stop();
      readiness.clear();
    },
  };
}
