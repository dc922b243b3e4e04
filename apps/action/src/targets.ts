// The target plugins this build of the Action carries. Each package is loaded on its own, and
// only when a run needs it (the bundle evaluates a target's code, e.g. the Kubernetes client,
// only then); a target whose package does not export its factory (or fails to load) is
// reported as not available instead of breaking the others.
import type { TargetPlugin } from '@dove/deploy-core';

const PACKAGES = [
  { kind: 'aci', factory: 'aci', load: () => import('@dove/target-aci') },
  { kind: 'aks', factory: 'aks', load: () => import('@dove/target-aks') },
  { kind: 'edge', factory: 'edge', load: () => import('@dove/target-edge') },
  { kind: 'fpga', factory: 'fpga', load: () => import('@dove/target-fpga') },
] as const;

export interface Targets {
  plugins: TargetPlugin[];
  unavailable: { kind: string; reason: string }[];
}

/** Loads the targets of these kinds (all by default): a run loads only the one it deploys to. */
export async function loadTargets(kinds?: string[]): Promise<Targets> {
  const out: Targets = { plugins: [], unavailable: [] };
  for (const p of PACKAGES) {
    if (kinds && !kinds.includes(p.kind)) continue;
    try {
      const mod = (await p.load()) as Record<string, unknown>;
      const factory = Reflect.get(mod, p.factory);
      if (typeof factory === 'function') out.plugins.push((factory as () => TargetPlugin)());
      else
        out.unavailable.push({
          kind: p.kind,
          reason: `@dove/target-${p.kind} does not export ${p.factory}() in this build`,
        });
    } catch (err) {
      out.unavailable.push({
        kind: p.kind,
        reason: `@dove/target-${p.kind} failed to load: ${(err as Error).message}`,
      });
    }
  }
  return out;
}
