import type { TargetContext } from '@dove/deploy-core';
import type { AksConfig } from './config.ts';

export const FIELD_MANAGER = 'dove';
export const LABEL_APP = 'app.kubernetes.io/name';
export const LABEL_ENV = 'dove.dev/environment';
export const LABEL_TRACK = 'dove.dev/track';
export const ANNOTATION_HASH = 'dove.dev/spec-hash';
export const ANNOTATION_VERSION = 'dove.dev/model-version';

/** Tracks: `stable` (rolling and canary base), `canary`, and the two blue-green slots. */
export type Track = 'stable' | 'canary' | 'blue' | 'green';

/** Base name of this environment's objects: `<model>-<environment>`, cut to a DNS label. */
export function baseName(ctx: Pick<TargetContext<AksConfig>, 'config' | 'model' | 'environment'>): string {
  if (ctx.config.name) return ctx.config.name;
  const raw = `${ctx.model.name}-${ctx.environment}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-');
  return raw.slice(0, 50).replace(/^-+|-+$/g, '');
}

export function deploymentName(base: string, track: Track): string {
  return track === 'stable' ? base : `${base}-${track}`;
}
