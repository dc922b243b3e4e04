// One sandbox and every available target, driven through deploy-core's `deploy()` as the hosts
// drive it: the spec is YAML text loaded by `loadSpec`, locks come from a lock store, and what
// serves is checked by calling the endpoint itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import {
  type CloudProfile,
  createCredential,
  createRegistry,
  type DeployEvent,
  type DeployResult,
  deploy,
  doveFetch,
  type Endpoint,
  InMemoryLockStore,
  type LockStore,
  loadSpec,
  type Registry,
  runOperation,
  type TargetPlugin,
  type TargetStatus,
} from '@dove/deploy-core';
import { SANDBOX_CLUSTER, SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '@dove/sandbox';
import { aci } from '@dove/target-aci';
import { aks } from '@dove/target-aks';
import { edge } from '@dove/target-edge';
import { stringify } from 'yaml';

export const IRIS_IMAGE = 'ghcr.io/dove-examples/iris-scorer:1.0.0';
export const FPGA_IMAGE = 'ghcr.io/dove-examples/fpga-scorer:1.0.0';
/** Exits at once with a message, like a scorer missing its model file. */
export const CRASH_IMAGE = 'reliability.dove.local/broken/crash:1';
/** Runs but never listens: its pods never get ready (a stuck rollout). */
export const STUCK_IMAGE = 'reliability.dove.local/broken/stuck:1';

/** The simulated fleet: ring `ok` always succeeds; `mixed` has 2 of 10 failing; `quiet` has 1 of 5 silent. */
export const FLEET = {
  devices: {
    count: 25,
    tags: (i: number) => ({ role: 'station', ring: i < 10 ? 'ok' : i < 20 ? 'mixed' : 'quiet' }),
    behaviour: (i: number) => (i === 12 || i === 17 ? 'fail' : i === 24 ? 'silent' : 'ok'),
  },
};

export interface Rig {
  sb: Sandbox;
  cloud: CloudProfile;
  credential: TokenCredential;
  registry: Registry;
  /** Kinds whose plugin is registered (fpga once @dove/target-fpga exports its plugin). */
  kinds: Set<string>;
  lockStore: LockStore;
  stop(): Promise<void>;
}

/** The fpga plugin when its package exports one (it composes aks), else undefined. */
async function fpgaPlugin(): Promise<TargetPlugin | undefined> {
  try {
    const mod = (await import('@dove/target-fpga')) as Record<string, unknown>;
    return typeof mod.fpga === 'function' ? (mod.fpga as () => TargetPlugin)() : undefined;
  } catch {
    return undefined;
  }
}

export async function startRig(name: string, o: { fleet?: boolean } = {}): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), `dove-reliability-${name}-`));
  const sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { provisionMs: 50, containerStartMs: 0, edgeReportMs: 50 },
    images: {
      'reliability.dove.local/broken/crash:*': {
        command: ['{node}', '-e', 'console.error("model file missing: model.pkl"); process.exit(3)'],
      },
      'reliability.dove.local/broken/stuck:*': { command: ['{node}', '-e', 'setInterval(() => {}, 60000)'] },
    },
    ...(o.fleet ? { fleet: FLEET } : {}),
  });
  const cloud = sb.profile as CloudProfile;
  // Fast polling keeps the suite short; retries keep their defaults (what users get).
  const plugins: TargetPlugin[] = [aci({ pollIntervalMs: 100 }), aks({ pollMs: 100 }), edge()];
  const fpga = await fpgaPlugin();
  if (fpga) plugins.push(fpga);
  return {
    sb,
    cloud,
    credential: createCredential(cloud),
    registry: createRegistry(plugins),
    kinds: new Set(plugins.map((p) => p.kind)),
    lockStore: new InMemoryLockStore(),
    async stop() {
      await sb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Settings per environment: one per target kind, plus edge rings with failing and silent devices. */
export function environments(rig: Rig): Record<string, Record<string, unknown>> {
  const s = rig.cloud.sandbox;
  if (!s) throw new Error('the rig runs on the sandbox');
  const hub = Object.values(s.iotHubs)[0]?.connectionString;
  const cluster = {
    subscription: s.subscriptionId,
    resourceGroup: SANDBOX_RESOURCE_GROUP,
    name: SANDBOX_CLUSTER,
  };
  const fleet = (ring: string, extra: Record<string, unknown> = {}) => ({
    kind: 'edge',
    hub: { connectionString: hub },
    fleet: { targetCondition: `tags.ring = '${ring}'`, priority: 10 },
    pollSeconds: 0.1,
    deadlineSeconds: 10,
    successThreshold: 100,
    ...extra,
  });
  return {
    dev: {
      kind: 'aci',
      subscription: s.subscriptionId,
      resourceGroup: SANDBOX_RESOURCE_GROUP,
      location: s.location,
      readyTimeoutSeconds: 20,
    },
    prod: { kind: 'aks', cluster, namespace: 'rel', replicas: 1, progressDeadlineSeconds: 10 },
    'edge-fleet': fleet('ok'),
    'edge-mixed': fleet('mixed', { successThreshold: 80 }),
    'edge-quiet': fleet('quiet', { successThreshold: 80, deadlineSeconds: 2 }),
    fast: {
      kind: 'fpga',
      cluster,
      nodePool: { vmSize: 'Standard_PB6s', count: 2 },
      architecture: 'resnet50',
      image: FPGA_IMAGE,
      replicas: 1,
      progressDeadlineSeconds: 10,
    },
  };
}

export interface DeployCall {
  version: string;
  /** Scoring image (default the iris scorer). */
  image?: string;
  /** Scoring env (e.g. the iris scorer's DOVE_FAULT hooks). */
  env?: Record<string, string>;
  /** Settings to merge over the environment's. */
  settings?: Record<string, unknown>;
  lockStore?: LockStore;
  owner?: string;
  onEvent?: (e: DeployEvent) => void;
  /** The deploy's own deadline (default 90 s): the suite never waits on a hang. */
  deadlineMs?: number;
}

async function specFor(rig: Rig, environment: string, c: Partial<DeployCall>) {
  const all = environments(rig);
  const settings = { ...all[environment], ...c.settings };
  if (settings.kind === 'fpga' && c.image) settings.image = c.image;
  const doc = {
    apiVersion: 'dove/v1',
    model: { name: 'iris', version: c.version ?? '1.0.0', path: 'model' },
    scoring: {
      image: settings.kind === 'fpga' ? IRIS_IMAGE : (c.image ?? IRIS_IMAGE),
      port: 5001,
      scoreRoute: '/score',
      healthRoute: '/',
      ...(c.env ? { env: c.env } : {}),
      sample: { body: { data: [[5.1, 3.5, 1.4, 0.2]] }, expectStatus: 200, expectKey: 'result' },
    },
    targets: { [environment]: settings },
  };
  return loadSpec({
    text: stringify(doc),
    variables: {},
    registry: rig.registry,
    environments: [environment],
  });
}

/** A deploy's result, and whether the suite's deadline had to stop it (a hang). */
export type RigResult = DeployResult & { deadlineHit: boolean };

/** A deploy through deploy-core, with its own deadline. */
export async function deployTo(rig: Rig, environment: string, c: DeployCall): Promise<RigResult> {
  const spec = await specFor(rig, environment, c);
  const signal = AbortSignal.timeout(c.deadlineMs ?? 90_000);
  const result = await deploy({
    spec,
    environment,
    registry: rig.registry,
    cloud: rig.cloud,
    credential: rig.credential,
    lockStore: c.lockStore ?? rig.lockStore,
    owner: c.owner ?? 'reliability-suite',
    signal,
    rollbackDeadlineMs: 90_000,
    ...(c.onEvent ? { onEvent: c.onEvent } : {}),
  });
  return { ...result, deadlineHit: signal.aborted };
}

export async function statusOf(rig: Rig, environment: string): Promise<TargetStatus> {
  const spec = await specFor(rig, environment, {});
  return (await runOperation({
    op: 'status',
    spec,
    environment,
    registry: rig.registry,
    cloud: rig.cloud,
    credential: rig.credential,
    signal: AbortSignal.timeout(30_000),
  })) as TargetStatus;
}

/** POSTs the sample to a scoring endpoint (through the cloud's names and CA); the HTTP status and body. */
export async function score(
  rig: Rig,
  endpoint: Endpoint | undefined,
): Promise<{ status: number; body: string }> {
  const uri = endpoint?.scoringUri;
  if (!uri || !/^https?:/.test(uri)) throw new Error(`no HTTP scoring endpoint to call (${uri ?? 'none'})`);
  const key = endpoint.auth?.primaryKey;
  const res = await doveFetch(rig.cloud)(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
    timeoutMs: 15_000,
  });
  return { status: res.status, body: await res.text() };
}
