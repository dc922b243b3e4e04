import type { RequestCounter, RequestCounts } from './contract.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** POSTs that change nothing: ARM list actions (listKeys, listClusterUserCredential...) and IoT Hub queries. */
const READ_ONLY_POST = /\/(list[A-Z][A-Za-z]*|query)$/;

/** True when a request changes nothing (what the no-op promise "0 writes" is about). */
export function isReadRequest(method: string, request?: { url?: string; readOnly?: boolean }): boolean {
  if (READS.has(method.toUpperCase())) return true;
  if (request?.readOnly) return true;
  if (method.toUpperCase() !== 'POST' || !request?.url) return false;
  const path = request.url.replace(/[?#].*$/, '');
  return READ_ONLY_POST.test(path);
}

/**
 * Counts API requests per family, split into reads (GET/HEAD, and POSTs that only read: ARM list
 * actions, IoT Hub queries) and writes (everything else).
 */
export function createRequestCounter(): RequestCounter {
  const counts: RequestCounts = { reads: 0, writes: 0, byApi: {} };
  return {
    count(api, method, request) {
      counts.byApi[api] ??= { reads: 0, writes: 0 };
      const bucket = counts.byApi[api];
      if (isReadRequest(method, request)) {
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
