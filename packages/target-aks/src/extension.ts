/**
 * What another target (the FPGA one) adds to the AKS workload: a device to request, nodes to
 * land on, and an extra port (gRPC). Pass it as `aks({ extension })`; everything else (rollout,
 * strategies, rollback) stays the AKS target's.
 */
export interface WorkloadExtension {
  /** Extra resource requests and limits per container, e.g. `{ 'microsoft.com/fpga': '1' }`. */
  resources?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: { key: string; operator?: 'Equal' | 'Exists'; value?: string; effect?: string }[];
  /** Extra ports the container serves and the Service exposes. */
  ports?: { name: string; containerPort: number; servicePort: number; appProtocol?: string }[];
}
