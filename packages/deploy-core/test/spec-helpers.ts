import { z } from 'zod';
import type { SpecPluginLookup } from '../src/spec/index.ts';

const box = {
  name: 'test:box',
  kind: 'box',
  configSchema: z.strictObject({ size: z.number().int().min(1).default(1) }),
};
const pool = {
  name: 'test:pool',
  kind: 'pool',
  configSchema: z.object({
    autoscale: z
      .object({ min: z.number().int().min(0), max: z.number().int() })
      .refine((a) => a.max >= a.min, { path: ['max'], message: 'must be >= min' }),
  }),
};

/** A registry of two small test plugins, shaped like deploy-core's. */
export const testRegistry: SpecPluginLookup = {
  get: (kind) => [box, pool].find((p) => p.kind === kind),
  list: () => [box, pool],
};
