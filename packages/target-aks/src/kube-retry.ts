import { setTimeout as sleep } from 'node:timers/promises';
import { parseRetryAfter } from '@dove/deploy-core';

/**
 * Kubernetes API calls are retried on what passes: 429 (after its Retry-After), 500/502/503/504
 * and dropped connections. `@kubernetes/client-node` retries nothing itself, and every call the
 * target makes is safe to repeat (reads, server-side apply, deletes that treat 404 as done).
 */
export interface KubeRetryOptions {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** First back-off (ms, default 250), doubled per attempt with jitter, capped at `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_NET = new Set([
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The delay a transient error asks for (its Retry-After, in ms), or undefined when it is not transient. */
export function transientDelay(err: unknown): number | 'backoff' | undefined {
  const e = err as {
    code?: unknown;
    headers?: Record<string, string | undefined>;
    cause?: { code?: string };
  };
  if (typeof e?.code === 'number') {
    if (!TRANSIENT_STATUS.has(e.code)) return undefined;
    const after = parseRetryAfter(e.headers?.['retry-after'] ?? e.headers?.['Retry-After']);
    return after === undefined ? 'backoff' : Math.min(after, 60_000);
  }
  const code = e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : undefined);
  return code && TRANSIENT_NET.has(code) ? 'backoff' : undefined;
}

export async function withKubeRetry<T>(fn: () => Promise<T>, o: KubeRetryOptions = {}): Promise<T> {
  const attempts = o.attempts ?? 6;
  const base = o.baseDelayMs ?? 250;
  const max = o.maxDelayMs ?? 8000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const delay = transientDelay(err);
      if (delay === undefined || attempt >= attempts) throw err;
      const backoff = Math.min(max, base * 2 ** (attempt - 1));
      await sleep(delay === 'backoff' ? backoff / 2 + Math.random() * (backoff / 2) : delay);
    }
  }
}
