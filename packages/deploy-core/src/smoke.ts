import type { Endpoint, RequestCounter, SmokeTest } from './contract.ts';
import { DoveError } from './errors.ts';
import type { DoveFetch } from './http.ts';
import { pollUntilDone } from './poller.ts';
import type { ScoringSpec } from './spec/types.ts';

const headersFor = (endpoint: Endpoint, key?: string) => {
  const k = key ?? endpoint.auth?.primaryKey;
  return k ? { authorization: `Bearer ${k}` } : {};
};

/** Waits until the health route answers 2xx (connection refused and 5xx are retried). */
export async function waitForHealthy(
  endpoint: Endpoint,
  options: {
    fetch: DoveFetch;
    deadlineMs?: number;
    signal?: AbortSignal;
    requests?: RequestCounter;
    key?: string;
  },
): Promise<void> {
  const uri = endpoint.healthUri ?? new URL('/', endpoint.scoringUri).toString();
  await pollUntilDone(
    async () => {
      options.requests?.count('scoring', 'GET');
      try {
        const res = await options.fetch(uri, {
          headers: headersFor(endpoint, options.key),
          timeoutMs: 5000,
          signal: options.signal,
        });
        await res.arrayBuffer();
        return res.ok
          ? { status: 'succeeded' }
          : { status: 'running', message: `health answered ${res.status}` };
      } catch (e) {
        return {
          status: 'running',
          message: `health not reachable: ${(e as Error).cause ?? (e as Error).message}`,
        };
      }
    },
    {
      what: `the health route ${uri}`,
      initialDelayMs: 200,
      maxDelayMs: 2000,
      deadlineMs: options.deadlineMs ?? 60_000,
      signal: options.signal,
    },
  );
}

/**
 * Sends the spec's sample request to the scoring URI and checks the status and, when the
 * spec names one, a key in the JSON answer. Never throws: the result says what happened.
 */
export async function smokeTest(
  endpoint: Endpoint,
  scoring: ScoringSpec,
  options: { fetch: DoveFetch; key?: string; signal?: AbortSignal; requests?: RequestCounter },
): Promise<SmokeTest> {
  const sample = scoring.sample;
  if (!sample) return { ok: true, message: 'no sample request in the spec: smoke test skipped' };
  const started = performance.now();
  options.requests?.count('scoring', 'POST');
  try {
    const res = await options.fetch(endpoint.scoringUri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headersFor(endpoint, options.key) },
      body: JSON.stringify(sample.body),
      signal: options.signal,
      timeoutMs: 30_000,
    });
    const body = await res.text();
    const latencyMs = Math.round(performance.now() - started);
    const base = { status: res.status, latencyMs, body: body.slice(0, 500) };
    if (res.status !== sample.expectStatus) {
      return {
        ok: false,
        ...base,
        message: `expected HTTP ${sample.expectStatus} from ${endpoint.scoringUri}, got ${res.status}`,
      };
    }
    if (sample.expectKey) {
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        return { ok: false, ...base, message: `the answer is not JSON, so it has no "${sample.expectKey}"` };
      }
      if (typeof json !== 'object' || json === null || !(sample.expectKey in json)) {
        return { ok: false, ...base, message: `the answer has no "${sample.expectKey}"` };
      }
    }
    return { ok: true, ...base };
  } catch (e) {
    return {
      ok: false,
      latencyMs: Math.round(performance.now() - started),
      message: `${endpoint.scoringUri} did not answer: ${(e as Error).cause ?? (e as Error).message}`,
    };
  }
}

/** Throws DOVE_SMOKE_FAILED for a failed smoke test (for targets' verify hooks). */
export function assertSmoke(result: SmokeTest): SmokeTest {
  if (!result.ok)
    throw new DoveError(
      'DOVE_SMOKE_FAILED',
      `Smoke test failed: ${result.message}${result.body ? `\n${result.body}` : ''}`,
    );
  return result;
}
