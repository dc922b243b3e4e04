/**
 * The scheduler's filter step, as far as the sandbox emulates it: nodeSelector, NoSchedule /
 * NoExecute taints against the pod's tolerations, and extended resources (`vendor/name`, such as
 * `nvidia.com/gpu`) requested against what the node's pods have not taken yet. CPU and memory are
 * not counted (every sandbox pod is a small local process).
 */

interface Taint {
  key: string;
  value?: string;
  effect: string;
}
interface Toleration {
  key?: string;
  operator?: string;
  value?: string;
  effect?: string;
}
export interface SchedNode {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { taints?: Taint[]; unschedulable?: boolean };
  status?: { allocatable?: Record<string, string>; capacity?: Record<string, string> };
}
export interface SchedPod {
  metadata: { name: string };
  spec: {
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: Toleration[];
    containers: { resources?: { requests?: Record<string, string>; limits?: Record<string, string> } }[];
  };
}

const extended = (name: string) => name.includes('/');

export function tolerates(tolerations: Toleration[] = [], taint: Taint): boolean {
  return tolerations.some((t) => {
    if (t.effect && t.effect !== taint.effect) return false;
    if ((t.operator ?? 'Equal') === 'Exists') return !t.key || t.key === taint.key;
    return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
  });
}

/** Extended resources a pod asks for (requests, else limits, as Kubernetes defaults them). */
export function extendedRequests(pod: SchedPod): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of pod.spec.containers) {
    const r = { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
    for (const [k, v] of Object.entries(r)) if (extended(k)) out[k] = (out[k] ?? 0) + Number(v);
  }
  return out;
}

/** The node the pod fits on (fewest extended resources in use first), or why none fits. */
export function schedule(
  pod: SchedPod,
  nodes: SchedNode[],
  placed: SchedPod[],
): { node: string } | { message: string } {
  const wants = extendedRequests(pod);
  const reasons = new Map<string, number>();
  const why = (r: string) => reasons.set(r, (reasons.get(r) ?? 0) + 1);
  for (const node of nodes) {
    if (node.spec?.unschedulable) {
      why('node(s) were unschedulable');
      continue;
    }
    const labels = node.metadata.labels ?? {};
    if (Object.entries(pod.spec.nodeSelector ?? {}).some(([k, v]) => labels[k] !== v)) {
      why("node(s) didn't match Pod's node affinity/selector");
      continue;
    }
    const taint = (node.spec?.taints ?? []).find(
      (t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerates(pod.spec.tolerations, t),
    );
    if (taint) {
      why(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
      continue;
    }
    const have = node.status?.allocatable ?? node.status?.capacity ?? {};
    const short = Object.entries(wants).find(([k, n]) => {
      const used = placed
        .filter((p) => p.spec.nodeName === node.metadata.name)
        .reduce((sum, p) => sum + (extendedRequests(p)[k] ?? 0), 0);
      return used + n > Number(have[k] ?? 0);
    });
    if (short) {
      why(`Insufficient ${short[0]}`);
      continue;
    }
    return { node: node.metadata.name };
  }
  const detail = [...reasons].map(([r, n]) => `${n} ${r}`).join(', ');
  return {
    message: `0/${nodes.length} nodes are available: ${detail || 'no nodes available to schedule pods'}. preemption: 0/${nodes.length} nodes are available: ${nodes.length} Preemption is not helpful for scheduling.`,
  };
}
