import { createHash } from 'node:crypto';
import { DoveError } from '../errors.ts';
import type { DoveSpec } from './types.ts';

/**
 * JSON with object keys sorted at every level, so equal values give equal text whatever
 * the key order in the file. `undefined` members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}

/**
 * A stable hash (16 hex chars of sha256) of what one environment's deployment should be:
 * the model, the scoring contract and that environment's kind and settings. Another
 * environment's settings or the spec's file path do not change it.
 */
export function specHash(spec: DoveSpec, environment: string): string {
  const target = Object.hasOwn(spec.targets, environment) ? spec.targets[environment] : undefined;
  if (!target) {
    throw new DoveError(
      'DOVE_TARGET_UNKNOWN',
      `No environment "${environment}" in the spec; environments: ${Object.keys(spec.targets).join(', ') || '(none)'}`,
    );
  }
  const text = canonicalJson({
    model: spec.model,
    scoring: spec.scoring,
    target: { kind: target.kind, settings: target.settings },
  });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
