// The CLI's only door to deploy-core and the target packages. Loaded on demand so that
// `dove --help`, `dove init` and `dove sandbox` work even when a part is missing, and so that a
// target whose package is not ready is reported as "not available yet", never faked.
import type {
  CloudProfile,
  DeployEvent,
  DeployResult,
  DoveSpec,
  Endpoint,
  TargetPlugin,
  TargetStatus,
} from '@dove/deploy-core';
import { CliError, EXIT } from './exit-codes.ts';

export type Operation = 'plan' | 'status' | 'destroy' | 'logs' | 'promote' | 'reject' | 'rollback';

export interface Registry {
  get(kind: string): TargetPlugin | undefined;
  list(): TargetPlugin[];
}

/** What the CLI uses from deploy-core (see packages/deploy-core/src/index.ts). */
export interface Core {
  loadSpec(options: {
    file?: string;
    text?: string;
    variables: Record<string, string>;
    registry: Registry;
  }): Promise<DoveSpec>;
  resolveTarget(spec: DoveSpec, nameOrKind: string): { environment: string; kind: string; target: unknown };
  createRegistry(plugins: TargetPlugin[]): Registry;
  loadCloudProfile(nameOrPath: string): CloudProfile;
  createCredential(profile: CloudProfile): import('@azure/core-auth').TokenCredential;
  deploy(options: DeployOptions): Promise<DeployResult>;
  runOperation(options: OperationOptions): Promise<unknown>;
}

export interface CommonOptions {
  spec: DoveSpec;
  environment: string;
  registry: Registry;
  cloud: CloudProfile;
  credential: import('@azure/core-auth').TokenCredential;
  signal: AbortSignal;
  onEvent?(event: DeployEvent): void;
  variables?: Record<string, string>;
  modelDelivery?: unknown;
}
export interface DeployOptions extends CommonOptions {
  dryRun?: boolean;
  version?: string;
  owner?: string;
}
export interface OperationOptions extends CommonOptions {
  op: Operation;
  tail?: number;
}
export type { DeployResult, Endpoint, TargetStatus };

const REQUIRED = [
  'loadSpec',
  'resolveTarget',
  'createRegistry',
  'loadCloudProfile',
  'createCredential',
  'deploy',
  'runOperation',
] as const;

let cached: Core | undefined;
export async function loadCore(): Promise<Core> {
  if (cached) return cached;
  const mod = (await import('@dove/deploy-core')) as Record<string, unknown>;
  const missing = REQUIRED.filter((name) => typeof mod[name] !== 'function');
  if (missing.length > 0)
    throw new CliError(`this build of @dove/deploy-core does not provide ${missing.join(', ')} yet`, {
      exitCode: EXIT.failed,
      code: 'DOVE_NOT_AVAILABLE',
      hint: 'update the workspace (git pull) and run the command again',
    });
  cached = mod as unknown as Core;
  return cached;
}

/** The four target packages and the factory each exports. */
export const TARGET_PACKAGES = [
  { kind: 'aci', pkg: '@dove/target-aci', factory: 'aci' },
  { kind: 'aks', pkg: '@dove/target-aks', factory: 'aks' },
  { kind: 'edge', pkg: '@dove/target-edge', factory: 'edge' },
  { kind: 'fpga', pkg: '@dove/target-fpga', factory: 'fpga' },
] as const;

export interface TargetAvailability {
  plugins: TargetPlugin[];
  /** Kinds whose package does not export a working plugin yet, with why. */
  unavailable: { kind: string; reason: string }[];
}

const importers: Record<string, () => Promise<Record<string, unknown>>> = {
  '@dove/target-aci': () => import('@dove/target-aci') as Promise<Record<string, unknown>>,
  '@dove/target-aks': () => import('@dove/target-aks') as Promise<Record<string, unknown>>,
  '@dove/target-edge': () => import('@dove/target-edge') as Promise<Record<string, unknown>>,
  '@dove/target-fpga': () => import('@dove/target-fpga') as Promise<Record<string, unknown>>,
};

export async function loadTargets(): Promise<TargetAvailability> {
  const result: TargetAvailability = { plugins: [], unavailable: [] };
  for (const t of TARGET_PACKAGES) {
    try {
      const mod = await (importers[t.pkg] as () => Promise<Record<string, unknown>>)();
      const factory = mod[t.factory];
      if (typeof factory !== 'function') {
        result.unavailable.push({ kind: t.kind, reason: `${t.pkg} does not export ${t.factory}() yet` });
        continue;
      }
      result.plugins.push((factory as () => TargetPlugin)());
    } catch (err) {
      result.unavailable.push({ kind: t.kind, reason: `${t.pkg} failed to load: ${(err as Error).message}` });
    }
  }
  return result;
}
