import type { Delays } from './types.ts';

/** `test`: fast enough for unit tests; `demo`: close to what Azure takes, scaled down to stay watchable. */
export const DELAY_PRESETS: Record<'test' | 'demo', Delays> = {
  test: { provisionMs: 50, containerStartMs: 50, edgeReportMs: 50 },
  demo: { provisionMs: 15_000, containerStartMs: 5_000, edgeReportMs: 8_000 },
};

export function checkDelays(d: Partial<Delays>, where: string): Partial<Delays> {
  for (const [k, v] of Object.entries(d)) {
    if (!['provisionMs', 'containerStartMs', 'edgeReportMs'].includes(k))
      throw new Error(
        `${where}: unknown delay '${k}'; expected provisionMs, containerStartMs or edgeReportMs`,
      );
    if (typeof v !== 'number' || !(v >= 0) || v > 3_600_000)
      throw new Error(
        `${where}: ${k} must be a number of milliseconds between 0 and 3600000, got ${JSON.stringify(v)}`,
      );
  }
  return d;
}
