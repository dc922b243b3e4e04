import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CertificateAuthority } from './tls.ts';

/** Which API family a request belongs to (for request logs, counts and fault rules). */
export type ApiFamily = 'token' | 'arm' | 'k8s' | 'iothub' | 'scoring' | 'control';

/** Provisioning and start-up delays (ms). Tests use small ones; the demo uses realistic presets. */
export interface Delays {
  /** ARM long-running operations (container group / cluster / agent pool create). */
  provisionMs: number;
  /** A pod or container from "pulled" to "running". */
  containerStartMs: number;
  /** An edge device from "deployment reached it" to reporting module status. */
  edgeReportMs: number;
}

/** A fault the sandbox injects instead of (or before) answering normally. */
export type Fault =
  | { type: 'status'; status: 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  | { type: 'drop' } // destroy the socket without answering
  | { type: 'delay'; ms: number }
  /**
   * ARM only: the request is answered normally, but the long-running operation it starts fails
   * with this error (its `work` is not run; the provider's `onFail` is called).
   */
  | { type: 'failOperation'; code: string; message: string };

export interface FaultRule {
  api?: ApiFamily;
  /** Only requests whose method matches (e.g. PUT). */
  method?: string;
  /** Only requests whose path contains this text. */
  pathIncludes?: string;
  /** Probability 0..1 (default 1) */
  rate?: number;
  /** Apply to at most this many matching requests (then the rule is spent). */
  times?: number;
  fault: Fault;
}

/** Every request the sandbox served, for tests and benchmarks (reads vs writes per API). */
export interface RequestRecord {
  api: ApiFamily;
  method: string;
  path: string;
  status: number;
  at: number;
}

/** Runs a "container" whose image the sandbox knows as a local process. */
export interface ContainerProcess {
  /**
   * Loopback port where the container's main port is served. Read it per connection: it changes
   * if a restart had to move off a port something else took (EADDRINUSE).
   */
  readonly port: number;
  /** Lines the process wrote (stdout+stderr), newest last. */
  logs(): string[];
  state(): {
    state: 'Waiting' | 'Running' | 'Terminated';
    restartCount: number;
    /** Exit code of the last termination (also while Running again after a restart). */
    exitCode?: number;
    reason?: string;
  };
  stop(): Promise<void>;
}

export interface ImageRunner {
  /** Starts the image as a process, or throws an `ImagePullError` when the image is unknown. */
  start(
    image: string,
    options: {
      env: Record<string, string>;
      containerPort: number;
      name: string;
      /** Default `Always`. A crash waits a doubling back-off before the restart (state Waiting, reason CrashLoopBackOff). */
      restartPolicy?: 'Always' | 'OnFailure' | 'Never';
    },
  ): ContainerProcess;
  stopAll(): Promise<void>;
}

/** What every emulated API receives from the sandbox that hosts it. */
export interface SandboxContext {
  host: string;
  stateDir: string;
  ca: CertificateAuthority;
  delays: Delays;
  images: ImageRunner;
  /** Returns the fault to inject for this request, if a rule matches (and spends it). */
  faultFor(api: ApiFamily, req: IncomingMessage): Fault | undefined;
  record(rec: RequestRecord): void;
  log(message: string): void;
}

export type Handler = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/**
 * Loopback networking for "public" endpoints: every container group or load balancer gets its
 * own 127.x.y.z address, so it can listen on the ports the user asked for (5001, 80...).
 */
export interface LoopbackNetwork {
  /** A fresh 127.x.y.z address. */
  allocateIp(): string;
  /** Serve ip:port by forwarding each TCP connection to the loopback port `pick()` returns (undefined: refuse). */
  forward(ip: string, port: number, pick: () => number | undefined): Promise<{ close(): Promise<void> }>;
  /** Publish name -> ip in the profile's hosts file (`CloudProfile.hostsFile`). */
  publishHost(name: string, ip: string): void;
  unpublishHost(name: string): void;
}

export interface SandboxNetworkContext extends SandboxContext {
  network: LoopbackNetwork;
}

/** An ARM request, already authenticated and routed to the provider namespace it names. */
export interface ArmRequest {
  method: string;
  url: URL;
  subscriptionId: string;
  /** Undefined for subscription-level calls (e.g. list by subscription, operations). */
  resourceGroup?: string;
  /** e.g. `Microsoft.ContainerInstance` (case as sent) */
  namespace: string;
  /** Segments after `/providers/{namespace}/`, e.g. `['containerGroups', 'cg1', 'containers', 'c1', 'logs']` */
  providerPath: string[];
  apiVersion: string;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the ARM core offers to resource providers. */
export interface ArmHost {
  /** `https://127.0.0.1:PORT` */
  baseUrl: string;
  resourceGroup(subscriptionId: string, name: string): { name: string; location: string } | undefined;
  /**
   * Runs `work` as an Azure async operation; returns the headers for the 201/202 answer
   * (`Azure-AsyncOperation`, `Location`, `Retry-After`). The status URL reports
   * InProgress, then Succeeded, or Failed with the error `work` threw.
   */
  startOperation(options: {
    namespace: string;
    location: string;
    work: () => Promise<void>;
    /**
     * Called when the operation fails (work threw, or a `failOperation` fault replaced it), so
     * the provider can put the resource in provisioningState Failed as Azure does.
     */
    onFail?: (error: { code: string; message: string }) => void | Promise<void>;
  }): {
    id: string;
    headers: Record<string, string>;
  };
  /** Azure's error shape: `{ error: { code, message } }` */
  error(status: number, code: string, message: string): ArmResponse;
}

export interface ArmProvider {
  namespace: string;
  /** Answer the request, or undefined to let the core answer 404 (resource type not found). */
  handle(req: ArmRequest): Promise<ArmResponse | undefined>;
  /** Stop processes and servers this provider started. */
  close?(): Promise<void>;
  /** Called when a resource group is deleted: delete (and stop) this provider's resources in it. */
  deleteResourceGroup?(subscriptionId: string, resourceGroup: string): Promise<void>;
}

export type ArmProviderFactory = (ctx: SandboxNetworkContext, arm: ArmHost) => ArmProvider;

/**
 * What the sandbox calls on the AKS provider at start to make the pre-existing cluster
 * (`dove-aks`). Optional: the sandbox seeds a cluster only when the provider has it.
 */
export interface ClusterSeeder {
  seedCluster(options: {
    subscriptionId: string;
    resourceGroup: string;
    name: string;
    location: string;
  }): Promise<{
    /** Kubeconfig YAML (admin or user credentials) for the seeded cluster. */
    kubeconfig: string;
  }>;
}

/** What `createIotHub(ctx, { name })` from `src/iothub/` gives the sandbox (the parts it publishes). */
export interface IotHubHandle {
  /** `HostName=...;SharedAccessKeyName=iothubowner;SharedAccessKey=...` */
  connectionString: string;
  /** Where the hub really listens. */
  host: string;
  port: number;
  close(): Promise<void>;
}
