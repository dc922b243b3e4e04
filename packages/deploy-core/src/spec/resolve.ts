import { DoveError } from '../errors.ts';
import type { DoveSpec, TargetSpec } from './types.ts';

export interface ResolvedTarget {
  /** Environment name under `targets:`. */
  environment: string;
  kind: string;
  target: TargetSpec;
}

/**
 * Finds the environment a user means: an environment name, or else a kind that exactly
 * one environment has (`dove deploy aks` when only `prod` is on AKS).
 */
export function resolveTarget(spec: DoveSpec, nameOrKind: string): ResolvedTarget {
  const byName = Object.hasOwn(spec.targets, nameOrKind) ? spec.targets[nameOrKind] : undefined;
  if (byName) return { environment: nameOrKind, kind: byName.kind, target: byName };
  const envs = Object.entries(spec.targets);
  const matches = envs.filter(([, t]) => t.kind === nameOrKind);
  const [only] = matches;
  if (matches.length === 1 && only) return { environment: only[0], kind: only[1].kind, target: only[1] };
  const list = (entries: [string, TargetSpec][]) =>
    entries.map(([env, t]) => `${env} (${t.kind})`).join(', ') || '(none)';
  if (matches.length > 1) {
    throw new DoveError(
      'DOVE_TARGET_AMBIGUOUS',
      `Several environments have kind "${nameOrKind}": ${list(matches)}; name one of them`,
      { location: spec.file ? { file: spec.file } : undefined },
    );
  }
  throw new DoveError(
    'DOVE_TARGET_UNKNOWN',
    `No environment or kind "${nameOrKind}" in the spec; environments: ${list(envs)}`,
    { location: spec.file ? { file: spec.file } : undefined },
  );
}
