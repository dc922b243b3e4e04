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
  | { type: 'delay'; ms: number };

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
  /** Loopback port where the container's main port is served. */
  port: number;
  /** Lines the process wrote (stdout+stderr), newest last. */
  logs(): string[];
  state(): {
    state: 'Waiting' | 'Running' | 'Terminated';
    restartCount: number;
    exitCode?: number;
    reason?: string;
  };
  stop(): Promise<void>;
}

export interface ImageRunner {
  /** Starts the image as a process, or throws an `ImagePullError` when the image is unknown. */
  start(
    image: string,
    options: { env: Record<string, string>; containerPort: number; name: string },
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
