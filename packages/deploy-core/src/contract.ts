import type { TokenCredential } from '@azure/core-auth';
import type { z } from 'zod';
import type { CloudProfile } from './cloud.ts';
import type { Step } from './events.ts';
import type { DoveSpec, ModelSpec, ScoringSpec } from './spec/types.ts';

/** The kinds of target Dove knows. A plugin declares one. */
export type TargetKind = 'aci' | 'aks' | 'edge' | 'fpga' | (string & {});

/** Counts API requests by API family and by read/write, for results and benchmarks. */
export interface RequestCounter {
  /**
   * One HTTP attempt. A read is GET/HEAD/OPTIONS, or a request that changes nothing although
   * sent as POST: `readOnly`, or a `url` naming an ARM list action (`.../listKeys`,
   * `.../listClusterUserCredential`) or an IoT Hub query (`/devices/query`).
   */
  count(
    api: 'arm' | 'k8s' | 'iothub' | 'storage' | 'scoring' | 'other',
    method: string,
    request?: { url?: string; readOnly?: boolean },
  ): void;
  snapshot(): RequestCounts;
}
export interface RequestCounts {
  reads: number;
  writes: number;
  byApi: Record<string, { reads: number; writes: number }>;
}

/** What a target hook receives. One per deploy; never shared between deploys. */
export interface TargetContext<C = unknown> {
  /** Environment name in the spec, e.g. `prod`. */
  environment: string;
  /** This environment's settings, validated by the plugin's schema. */
  config: C;
  /** The resolved model (version filled in). */
  model: ModelSpec & { version: string };
  /** The scoring contract of the image. */
  scoring: ScoringSpec;
  /** The whole resolved spec (read-only). */
  spec: DoveSpec;
  /** A stable hash of what this environment's deployment should be (spec + model version). */
  specHash: string;
  cloud: CloudProfile;
  credential: TokenCredential;
  /** Model artifact delivery, when the model store is in use (see @dove/model-store). */
  modelDelivery?: ModelDelivery;
  signal: AbortSignal;
  requests: RequestCounter;
  /** Emit progress for the current step. */
  progress(message: string, percent?: number): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
  /** Values that must never be printed; hosts mask them. */
  secret(value: string): string;
}

/** How the scoring container finds and reads its model. */
export interface ModelDelivery {
  /** URI of the model version's folder (or manifest). */
  uri: string;
  /** Manifest URI (sha256 of every file). */
  manifestUri: string;
  /** Read-only SAS token scoped to the version's prefix, when SAS delivery is used. */
  sasToken?: string;
  /** Expiry of the SAS (ISO 8601). */
  expiresOn?: string;
  /**
   * A delivery (fresh SAS) for another version in the same store, given the URI a previous
   * deploy used; `undefined` when that URI is not in this store. Rollback needs it: a SAS is
   * scoped to one version, so the previous definition cannot reuse the new version's token.
   */
  reissue?(uri: string, signal?: AbortSignal): Promise<ModelDelivery | undefined>;
}

export type ChangeKind = 'add' | 'change' | 'remove';
export interface Change {
  /** What changes, e.g. `containers[0].resources.cpu` or `Deployment/iris-blue`. */
  path: string;
  kind: ChangeKind;
  before?: unknown;
  after?: unknown;
  /** True when Azure cannot change this in place and the resource is replaced. */
  replace?: boolean;
}

export type PlanAction = 'create' | 'update' | 'replace' | 'noop';

/** The read-only result of `plan`: what would change, and private data for `apply`. */
export interface Plan<D = unknown, P = unknown> {
  action: PlanAction;
  /** One line for humans, e.g. `create container group iris-dev in westeurope`. */
  summary: string;
  changes: Change[];
  /** Things the user must know (cost, minutes, quota). */
  warnings: string[];
  /** Plugin-private: the desired state `apply` will send. */
  desired: D;
  /** Plugin-private: what serves now, kept so `rollback` can restore it. */
  previous?: P;
}

export interface Endpoint {
  /** Scoring URI, e.g. `https://iris-dev.westeurope.azurecontainer.io/score`. */
  scoringUri: string;
  swaggerUri?: string;
  healthUri?: string;
  /** Keys or tokens needed to call it (masked by hosts). */
  auth?: { type: 'key' | 'token' | 'none'; primaryKey?: string; secondaryKey?: string };
}

export interface ApplyResult {
  endpoint?: Endpoint;
  /** Identifier of what was created/updated (ARM id, deployment name, configuration id). */
  resourceId?: string;
  details?: Record<string, unknown>;
}

export interface SmokeTest {
  ok: boolean;
  status?: number;
  latencyMs?: number;
  /** First bytes of the response, for the summary. */
  body?: string;
  message?: string;
}

export interface VerifyResult {
  endpoint?: Endpoint;
  smoke?: SmokeTest;
  details?: Record<string, unknown>;
}

export interface TargetStatus {
  environment: string;
  kind: TargetKind;
  state: 'absent' | 'provisioning' | 'serving' | 'degraded' | 'failed' | 'unknown';
  version?: string;
  specHash?: string;
  endpoint?: Endpoint;
  message?: string;
  details?: Record<string, unknown>;
}

/**
 * A target plugin: a plain object from a factory (`aci()`, `aks()`, ...). The orchestrator
 * calls the hooks in order; errors thrown from a hook are tagged with the plugin's name.
 */
export interface TargetPlugin<C = unknown, D = unknown, P = unknown> {
  /** Namespaced name, e.g. `dove:aci`. Unique in a registry. */
  name: string;
  kind: TargetKind;
  /** One line: what this target is for. */
  description: string;
  /** Validates `targets.<env>` (without `kind`). Its issues are located by the spec loader. */
  configSchema: z.ZodType<C>;
  /** Read-only diff of live state against desired; never mutates anything. */
  plan(ctx: TargetContext<C>): Promise<Plan<D, P>>;
  /** Make live state match the plan; idempotent; reports progress. */
  apply(ctx: TargetContext<C>, plan: Plan<D, P>): Promise<ApplyResult>;
  /** Wait until ready, then smoke-test the scoring endpoint; throws when it is not serving. */
  verify(ctx: TargetContext<C>, applied: ApplyResult, plan: Plan<D, P>): Promise<VerifyResult>;
  /** Restore what served before `apply` (from `plan.previous`) and wait until it serves. */
  rollback(ctx: TargetContext<C>, plan: Plan<D, P>): Promise<void>;
  /** What serves now. */
  status(ctx: TargetContext<C>): Promise<TargetStatus>;
  /** Remove what Dove deployed for this environment. */
  destroy(ctx: TargetContext<C>): Promise<{ removed: string[] }>;
  /**
   * Go back to the version that served before the current one, when the target keeps it
   * (a blue-green slot, an edge fallback deployment). Targets that keep nothing omit it.
   */
  undo?(ctx: TargetContext<C>): Promise<TargetStatus>;
  /** Recent log lines of the scoring container(s). */
  logs?(ctx: TargetContext<C>, options: { tail?: number }): Promise<string>;
  /** Blue-green / canary: make the new version take all traffic. */
  promote?(ctx: TargetContext<C>): Promise<TargetStatus>;
  /** Blue-green / canary: drop the new version, keep the old one serving. */
  reject?(ctx: TargetContext<C>): Promise<TargetStatus>;
}

/** Timings per step, in milliseconds. */
export type Timings = Partial<Record<Step | 'total', number>>;

export type Outcome = 'succeeded' | 'noop' | 'dry-run' | 'failed' | 'rolled-back';

/** What a deploy returns to its host. */
export interface DeployResult {
  outcome: Outcome;
  environment: string;
  kind: TargetKind;
  target: string;
  version: string;
  specHash: string;
  plan: Pick<Plan, 'action' | 'summary' | 'changes' | 'warnings'>;
  endpoint?: Endpoint;
  smoke?: SmokeTest;
  /** What the target's verify found (e.g. an edge fleet's applied / succeeded device counts). */
  details?: Record<string, unknown>;
  timings: Timings;
  requests: RequestCounts;
  /** When outcome is failed/rolled-back: the error (code, message, hint). */
  error?: { code: string; message: string; hint?: string; target?: string };
  /** After a failure: what serves now, as far as Dove could tell. */
  servingNow?: TargetStatus;
}
