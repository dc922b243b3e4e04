import type { Kube, PodSummary } from './kube.ts';
import type { Manifest } from './manifests.ts';

/** Container states that will not heal by waiting: fail the rollout at once, naming the cause. */
const FATAL = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
]);

export class RolloutError extends Error {
  override name = 'RolloutError';
  code = 'DOVE_AKS_ROLLOUT_FAILED';
  diagnostics: string[];
  constructor(message: string, diagnostics: string[]) {
    super(`${message}\n${diagnostics.map((d) => `  ${d}`).join('\n')}`);
    this.diagnostics = diagnostics;
  }
}

interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** Pod states, recent events and the last log lines: what a user needs to see why a rollout failed. */
export async function diagnose(
  kube: Kube,
  namespace: string,
  name: string,
  selector: Record<string, string>,
): Promise<string[]> {
  const lines: string[] = [];
  const pods = await kube.pods(namespace, selector).catch(() => [] as PodSummary[]);
  for (const p of pods) {
    lines.push(
      `pod ${p.name}: ${p.phase}${p.ready ? ', ready' : ''}, restarts ${p.restarts}${p.reason ? `, ${p.reason}` : ''}${p.message ? ` (${p.message})` : ''}`,
    );
  }
  for (const e of await kube.events(namespace, name).catch(() => [] as string[])) lines.push(`event: ${e}`);
  const bad = pods.find((p) => !p.ready) ?? pods[0];
  if (bad) {
    const log = (await kube.logs(namespace, bad.name, 10)).trim();
    if (log) lines.push(`last log lines of ${bad.name}:`, ...log.split('\n').map((l) => `  ${l}`));
  }
  return lines;
}

/**
 * Waits until the Deployment's rollout is complete the way `kubectl rollout status` decides it:
 * the controller saw this generation, every replica is updated and available. Fails on
 * ProgressDeadlineExceeded, or as soon as a pod is in a state that will not heal.
 */
export async function waitForRollout(
  kube: Kube,
  m: Manifest,
  options: {
    signal: AbortSignal;
    pollMs?: number;
    progress?: (msg: string) => void;
    /**
     * Fail at once on a pod that will not heal (default true). A rollback turns it off: the
     * broken pods it replaces still match the selector until the controller removes them.
     */
    failFast?: boolean;
  },
): Promise<void> {
  const ns = m.metadata.namespace!;
  const name = m.metadata.name;
  const selector = (m.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
  const deadlineS = (m.spec as { progressDeadlineSeconds?: number }).progressDeadlineSeconds ?? 600;
  const giveUpAt = Date.now() + (deadlineS + 30) * 1000;
  const pollMs = options.pollMs ?? 250;
  let last = '';
  for (;;) {
    options.signal.throwIfAborted();
    const live = await kube.read('Deployment', 'apps/v1', ns, name);
    if (!live) throw new RolloutError(`Deployment ${ns}/${name} disappeared during its rollout.`, []);
    const gen = (live.metadata as { generation?: number }).generation ?? 0;
    const want = (live.spec as { replicas?: number }).replicas ?? 1;
    const s = (live.status ?? {}) as DeploymentStatus;
    const stuck = s.conditions?.find(
      (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
    );
    if (stuck) {
      throw new RolloutError(
        `Deployment ${name} exceeded its progress deadline (${deadlineS} s).`,
        await diagnose(kube, ns, name, selector),
      );
    }
    const done =
      (s.observedGeneration ?? 0) >= gen &&
      (s.updatedReplicas ?? 0) >= want &&
      (s.availableReplicas ?? 0) >= want &&
      (s.replicas ?? 0) <= (s.updatedReplicas ?? 0);
    if (done) return;
    const msg = `${name}: ${s.updatedReplicas ?? 0}/${want} updated, ${s.availableReplicas ?? 0} available`;
    if (msg !== last) options.progress?.(msg);
    last = msg;
    const pods = options.failFast === false ? [] : await kube.pods(ns, selector);
    const fatal = pods.find((p) => p.reason && FATAL.has(p.reason) && !p.ready);
    if (fatal) {
      throw new RolloutError(
        `Deployment ${name} cannot become available: pod ${fatal.name} is ${fatal.reason}.`,
        await diagnose(kube, ns, name, selector),
      );
    }
    if (Date.now() > giveUpAt) {
      throw new RolloutError(
        `Deployment ${name} did not finish its rollout in ${deadlineS} s.`,
        await diagnose(kube, ns, name, selector),
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
