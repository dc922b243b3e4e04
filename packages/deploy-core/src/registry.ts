import type { TargetPlugin } from './contract.ts';
import { DoveError } from './errors.ts';

export interface Registry {
  get(kind: string): TargetPlugin | undefined;
  list(): TargetPlugin[];
}

/** Explicit registration: `createRegistry([aci(), aks()])`. Duplicate names or kinds are refused. */
export function createRegistry(plugins: TargetPlugin<any, any, any>[]): Registry {
  const byKind = new Map<string, TargetPlugin>();
  const names = new Set<string>();
  for (const p of plugins) {
    if (!p || typeof p.name !== 'string' || !p.name.includes(':')) {
      throw new DoveError(
        'DOVE_PLUGIN_DUPLICATE',
        `A target plugin needs a namespaced name such as "dove:aci" (got ${JSON.stringify(p?.name)}).`,
      );
    }
    if (names.has(p.name))
      throw new DoveError('DOVE_PLUGIN_DUPLICATE', `Target plugin "${p.name}" is registered twice.`);
    if (byKind.has(p.kind)) {
      throw new DoveError(
        'DOVE_PLUGIN_DUPLICATE',
        `Kind "${p.kind}" is claimed by both "${byKind.get(p.kind)?.name}" and "${p.name}".`,
      );
    }
    names.add(p.name);
    byKind.set(p.kind, p as TargetPlugin);
  }
  return { get: (kind) => byKind.get(kind), list: () => [...byKind.values()] };
}
