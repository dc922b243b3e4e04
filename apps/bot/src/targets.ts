// The target plugins this bot registers. Each package is imported on its own, so a target whose
// package does not export its factory yet (or fails to load) is reported, never faked, and is
// picked up as soon as it does.
import { createRegistry, type Registry, type TargetPlugin } from '@dove/deploy-core';

const PACKAGES = [
  { kind: 'aci', factory: 'aci', load: () => import('@dove/target-aci') },
  { kind: 'aks', factory: 'aks', load: () => import('@dove/target-aks') },
  { kind: 'edge', factory: 'edge', load: () => import('@dove/target-edge') },
  { kind: 'fpga', factory: 'fpga', load: () => import('@dove/target-fpga') },
] as const;

export interface Targets {
  registry: Registry;
  /** kinds without a working plugin in this build, with why */
  unavailable: { kind: string; reason: string }[];
}

export async function loadTargets(): Promise<Targets> {
  const plugins: TargetPlugin[] = [];
  const unavailable: Targets['unavailable'] = [];
  for (const t of PACKAGES) {
    try {
      const mod = (await t.load()) as Record<string, unknown>;
      const factory = mod[t.factory];
      if (typeof factory === 'function') plugins.push((factory as () => TargetPlugin)());
      else unavailable.push({ kind: t.kind, reason: `its package does not export ${t.factory}() yet` });
    } catch (e) {
      unavailable.push({ kind: t.kind, reason: `its package failed to load: ${(e as Error).message}` });
    }
  }
  return { registry: createRegistry(plugins), unavailable };
}
