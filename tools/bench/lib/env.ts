// A sandbox, the registered targets and the example spec, wired the way the CLI wires them
// (apps/cli/src/core.ts, apps/cli/src/context.ts), for benchmark scenarios.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CloudProfile,
  createCredential,
  createRegistry,
  type DeployEvent,
  type DeployResult,
  type DoveSpec,
  deploy,
  InMemoryLockStore,
  loadSpec,
  runOperation,
  type TargetPlugin,
} from '@dove/deploy-core';
import { type Sandbox, type SandboxOptions, startSandbox } from '@dove/sandbox';
import { parse, stringify } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');
export const EXAMPLE_SPEC = join(repoRoot, 'examples', 'iris', 'dove.yaml');

/** The four target packages, loaded like the CLI does: a package not built yet is skipped, with why. */
const TARGETS = [
  { kind: 'aci', load: () => import('@dove/target-aci'), factory: 'aci' },
  { kind: 'aks', load: () => import('@dove/target-aks'), factory: 'aks' },
  { kind: 'edge', load: () => import('@dove/target-edge'), factory: 'edge' },
  { kind: 'fpga', load: () => import('@dove/target-fpga'), factory: 'fpga' },
] as const;

export interface Targets {
  plugins: TargetPlugin[];
  unavailable: { kind: string; reason: string }[];
}

export async function loadTargets(): Promise<Targets> {
  const out: Targets = { plugins: [], unavailable: [] };
  for (const t of TARGETS) {
    try {
      const mod = (await t.load()) as Record<string, unknown>;
      const factory = mod[t.factory];
      if (typeof factory !== 'function') {
        out.unavailable.push({ kind: t.kind, reason: `does not export ${t.factory}() yet` });
        continue;
      }
      out.plugins.push((factory as () => TargetPlugin)());
    } catch (err) {
      out.unavailable.push({ kind: t.kind, reason: `failed to load: ${(err as Error).message}` });
    }
  }
  return out;
}

/** Spec variables the sandbox answers (the same as the CLI's `cloudVariables`). */
export function sandboxVariables(cloud: CloudProfile): Record<string, string> {
  const s = cloud.sandbox;
  if (!s) return {};
  const hub = Object.values(s.iotHubs)[0];
  return {
    AZURE_SUBSCRIPTION_ID: s.subscriptionId,
    AZURE_TENANT_ID: s.tenantId,
    AZURE_RESOURCE_GROUP: s.resourceGroups[0] ?? 'dove-sandbox',
    AZURE_LOCATION: s.location,
    ...(Object.keys(s.kubeconfigs)[0] ? { AKS_CLUSTER: Object.keys(s.kubeconfigs)[0] as string } : {}),
    ...(hub ? { IOT_HUB_CONNECTION_STRING: hub.connectionString } : {}),
  };
}

type SpecDoc = { targets: Record<string, { kind: string } & Record<string, unknown>> } & Record<
  string,
  unknown
>;

export interface BenchEnv {
  sandbox: Sandbox;
  cloud: CloudProfile;
  targets: Targets;
  /** Environment name → kind, for the environments whose target is registered. */
  environments: Record<string, string>;
  spec: DoveSpec;
  /** One deploy through deploy-core, as the CLI does it. */
  deploy(
    environment: string,
    o?: { version?: string; signal?: AbortSignal; onEvent?: (e: DeployEvent) => void },
  ): Promise<DeployResult>;
  destroy(environment: string): Promise<void>;
  stop(): Promise<void>;
}

export interface BenchEnvOptions {
  tmpDir: string;
  name: string;
  sandbox?: Omit<SandboxOptions, 'stateDir'>;
  /** Changes to the example spec's YAML document before loading (e.g. settings per environment). */
  editSpec?(doc: SpecDoc): void;
}

/** Starts a sandbox (no Blob Storage: model delivery is not part of these figures) and loads the example. */
export async function startBenchEnv(o: BenchEnvOptions): Promise<BenchEnv> {
  const sandbox = await startSandbox({
    storage: false,
    ...o.sandbox,
    stateDir: join(o.tmpDir, o.name),
  });
  try {
    const cloud = sandbox.profile as CloudProfile;
    const credential = createCredential(cloud);
    const targets = await loadTargets();
    const registry = createRegistry(targets.plugins);
    const doc = parse(readFileSync(EXAMPLE_SPEC, 'utf8')) as SpecDoc;
    const kinds = new Set(targets.plugins.map((p) => p.kind));
    for (const [env, t] of Object.entries(doc.targets)) if (!kinds.has(t.kind)) delete doc.targets[env];
    o.editSpec?.(doc);
    const variables = { DOVE_MODEL_VERSION: '1.0.0', ...sandboxVariables(cloud) };
    const spec = { ...(await loadSpec({ text: stringify(doc), variables, registry })), file: EXAMPLE_SPEC };
    const environments = Object.fromEntries(Object.entries(spec.targets).map(([e, t]) => [e, t.kind]));
    const lockStore = new InMemoryLockStore();
    const common = (environment: string) => ({ spec, environment, registry, cloud, credential, variables });
    return {
      sandbox,
      cloud,
      targets,
      environments,
      spec,
      deploy: (environment, d = {}) =>
        deploy({
          ...common(environment),
          lockStore,
          owner: 'dove-bench',
          signal: d.signal ?? AbortSignal.timeout(5 * 60_000),
          ...(d.version ? { version: d.version } : {}),
          ...(d.onEvent ? { onEvent: d.onEvent } : {}),
        }),
      async destroy(environment) {
        await runOperation({
          ...common(environment),
          op: 'destroy',
          lockStore,
          signal: AbortSignal.timeout(2 * 60_000),
        });
      },
      stop: () => sandbox.stop(),
    };
  } catch (err) {
    await sandbox.stop();
    throw err;
  }
}

export interface Split {
  reads: number;
  writes: number;
}
export interface RequestSplit {
  arm: Split;
  k8s: Split;
  iothub: Split;
  total: Split;
}

/**
 * POSTs that change nothing: ARM's `list*` actions (e.g. listClusterUserCredential) and IoT Hub's
 * twin query. They are reads for "a no-op redeploy writes nothing", though their method is POST.
 */
export function isReadOnlyPost(api: string, method: string, path: string): boolean {
  if (method.toUpperCase() !== 'POST') return false;
  const last = path.split('?')[0]?.split('/').filter(Boolean).at(-1) ?? '';
  if (api === 'arm') return /^list[A-Z]/.test(last);
  if (api === 'iothub') return last === 'query';
  return false;
}

const isWrite = (api: string, method: string, path: string) =>
  !['GET', 'HEAD'].includes(method.toUpperCase()) && !isReadOnlyPost(api, method, path);

/**
 * Requests the sandbox served (its own log, not Dove's count), split by API and read/write.
 * Read-only POSTs (see `isReadOnlyPost`) count as reads.
 */
export function splitRequests(sandbox: Sandbox): RequestSplit {
  const out: RequestSplit = {
    arm: { reads: 0, writes: 0 },
    k8s: { reads: 0, writes: 0 },
    iothub: { reads: 0, writes: 0 },
    total: { reads: 0, writes: 0 },
  };
  for (const r of sandbox.requests()) {
    if (r.api !== 'arm' && r.api !== 'k8s' && r.api !== 'iothub') continue;
    const write = isWrite(r.api, r.method, r.path);
    const key = write ? 'writes' : 'reads';
    out[r.api][key]++;
    out.total[key]++;
  }
  return out;
}

/** The distinct writes in the sandbox log, e.g. `PUT iris-classifier-dev`, for notes. */
export function writeKinds(sandbox: Sandbox, api: 'arm' | 'k8s' | 'iothub'): string[] {
  const kinds = new Set<string>();
  for (const r of sandbox.requests())
    if (r.api === api && isWrite(r.api, r.method, r.path))
      kinds.add(`${r.method} ${r.path.split('?')[0]?.split('/').filter(Boolean).at(-1) ?? '/'}`);
  return [...kinds];
}

export const describeSplit = (s: RequestSplit) =>
  `ARM ${s.arm.reads}r/${s.arm.writes}w, Kubernetes ${s.k8s.reads}r/${s.k8s.writes}w, IoT Hub ${s.iothub.reads}r/${s.iothub.writes}w`;

/** Throws with the deploy's own error when it did not succeed. */
export function expectSucceeded(r: DeployResult, what: string): DeployResult {
  if (r.outcome !== 'succeeded' && r.outcome !== 'noop')
    throw new Error(`${what}: ${r.outcome}: ${r.error?.code ?? ''} ${r.error?.message ?? ''}`);
  return r;
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}
