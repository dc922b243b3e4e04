import type { Endpoint, SmokeTest } from '@dove/deploy-core';

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
  /** Name (and appProtocol) of the main scoring port, when it is not HTTP (default `http`). */
  mainPort?: { name: string; appProtocol?: string };
  /**
   * The probe action used instead of `httpGet` on the health route, e.g. `{ grpc: { port: 50051 } }`
   * for a server that speaks only gRPC. Timings still come from the AKS `probes` setting.
   */
  probe?: Record<string, unknown>;
  /**
   * Replaces the HTTP smoke test (e.g. a gRPC health check and a Predict call) against the
   * address of the Service under test. Give `endpoint` with it.
   */
  smoke?: (address: ServiceAddress, keys: Keys | undefined, signal: AbortSignal) => Promise<SmokeTest>;
  /** The endpoint users call at a Service's address (replaces the HTTP scoring URIs). */
  endpoint?: (address: ServiceAddress, keys: Keys | undefined) => Endpoint;
}

/** Where a Service answers: its load balancer address (or ingress host) and port. */
export interface ServiceAddress {
  host: string;
  port: number;
}

type Keys = { primary: string; secondary: string };
