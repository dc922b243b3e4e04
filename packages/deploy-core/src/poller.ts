import { DoveError } from './errors.ts';

export type PollStatus = 'notStarted' | 'running' | 'succeeded' | 'failed' | 'canceled';

export interface PollState<T> {
  status: PollStatus;
  value?: T;
  error?: unknown;
  /** the server asked to wait this long before the next check */
  retryAfterMs?: number;
  message?: string;
}

export interface PollOptions {
  /** what is being waited for, used in timeout messages: "container group iris-dev to run" */
  what: string;
  initialDelayMs?: number;
  maxDelayMs?: number;
  factor?: number;
  /** absolute time budget from the first check */
  deadlineMs?: number;
  signal?: AbortSignal;
  onProgress?: (state: PollState<unknown>, attempt: number) => void;
  /** injectable for deterministic tests */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(header: string | null | undefined, now = Date.now()): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Delay before attempt `attempt` (0-based): exponential with full jitter, capped. */
export function backoffDelay(
  attempt: number,
  o: Pick<PollOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'random'> = {},
): number {
  const initial = o.initialDelayMs ?? 1000;
  const cap = o.maxDelayMs ?? 15_000;
  const exp = Math.min(cap, initial * (o.factor ?? 2) ** attempt);
  // Half fixed, half random: never zero, never in lock-step with other pollers.
  return exp / 2 + (o.random ?? Math.random)() * (exp / 2);
}

/**
 * The one poller for all long work. Calls `check` until it reports a terminal status,
 * waiting with exponential backoff and jitter, or exactly what the server asked
 * (`retryAfterMs`). Throws DOVE_TIMEOUT past the deadline and DOVE_CANCELED on abort.
 */
export async function pollUntilDone<T>(
  check: (attempt: number) => Promise<PollState<T>>,
  options: PollOptions,
): Promise<T | undefined> {
  const now = options.now ?? Date.now;
  const wait = options.sleep ?? sleep;
  const started = now();
  const deadline = options.deadlineMs === undefined ? Number.POSITIVE_INFINITY : started + options.deadlineMs;
  const canceled = () => new DoveError('DOVE_CANCELED', `Canceled while waiting for ${options.what}.`);
  let last: PollState<T> | undefined;
  for (let attempt = 0; ; attempt++) {
    if (options.signal?.aborted) throw canceled();
    last = await check(attempt);
    options.onProgress?.(last, attempt);
    switch (last.status) {
      case 'succeeded':
        return last.value;
      case 'failed':
        throw last.error instanceof Error
          ? last.error
          : new DoveError('DOVE_PROVISION_FAILED', last.message ?? `${options.what} failed.`);
      case 'canceled':
        throw canceled();
    }
    const delay = last.retryAfterMs ?? backoffDelay(attempt, options);
    if (now() + delay > deadline) {
      const waited = Math.round((now() - started) / 1000);
      throw new DoveError(
        'DOVE_TIMEOUT',
        `Timed out after ${waited} s waiting for ${options.what}${last.message ? ` (last seen: ${last.message})` : ''}.`,
      );
    }
    try {
      await wait(delay, options.signal);
    } catch {
      throw canceled();
    }
  }
}
