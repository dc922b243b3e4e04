import type { RequestCounter, RequestCounts } from './contract.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Counts API requests per family, split into reads (GET/HEAD) and writes (everything else). */
export function createRequestCounter(): RequestCounter {
  const counts: RequestCounts = { reads: 0, writes: 0, byApi: {} };
  return {
    count(api, method) {
      counts.byApi[api] ??= { reads: 0, writes: 0 };
      const bucket = counts.byApi[api];
      if (READS.has(method.toUpperCase())) {
        counts.reads++;
        bucket.reads++;
      } else {
        counts.writes++;
        bucket.writes++;
      }
    },
    snapshot: () => structuredClone(counts),
  };
}
