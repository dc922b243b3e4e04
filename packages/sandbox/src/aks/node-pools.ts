import { vmSizeOf } from './vm-sizes.ts';

/** An agent pool as the cluster's Kubernetes API sees it: nodes with labels, taints and capacity. */
export interface NodePool {
  name: string;
  vmSize: string;
  /** Nodes to run now. */
  count: number;
  mode: 'System' | 'User';
  enableAutoScaling: boolean;
  minCount?: number;
  maxCount?: number;
  nodeLabels: Record<string, string>;
  /** `key=value:Effect`, as AKS takes them. */
  nodeTaints: string[];
  /** What one node can hold, in Kubernetes quantities (`cpu`, `memory`, device resources). */
  capacity: Record<string, string>;
}

/** Capacity of one node of `vmSize`, as the kubelet would advertise it. */
export function nodeCapacity(vmSize: string): Record<string, string> {
  const size = vmSizeOf(vmSize);
  if (!size) return { cpu: '2', memory: '4Gi', pods: '110' };
  const capacity: Record<string, string> = {
    cpu: String(size.cpu),
    memory: `${Math.round(size.memoryGi * 1024)}Mi`,
    pods: '110',
  };
  for (const [resource, n] of Object.entries(size.devices)) capacity[resource] = String(n);
  return capacity;
}

/** A Kubernetes API server the sandbox runs for one cluster (written in `../kube/`). */
export interface KubeClusterHandle {
  /** `https://127.0.0.1:PORT` */
  server: string;
  /** A kubeconfig (YAML) for this cluster's user. */
  kubeconfig(): string;
  setNodePools(pools: NodePool[]): void;
  stop(): Promise<void>;
}
