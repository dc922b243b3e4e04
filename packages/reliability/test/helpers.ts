import type { Endpoint } from '@dove/deploy-core';
import { expect } from 'vitest';
import { type Rig, type RigResult, score, statusOf } from '../src/rig.ts';
import { assertClearFailure, assertFinishedInTime } from '../src/safety.ts';

/** What serves an environment now, as the suite last saw it succeed. */
export interface Serving {
  version: string;
  endpoint?: Endpoint;
}

export function expectSucceeded(r: RigResult): Serving {
  assertFinishedInTime(r);
  expect(r.outcome, `${r.error?.code}: ${r.error?.message}`).toBe('succeeded');
  return { version: r.version, ...(r.endpoint ? { endpoint: r.endpoint } : {}) };
}

/** The environment serves `serving.version`; with an HTTP endpoint, calling it really scores. */
export async function expectServing(rig: Rig, environment: string, serving: Serving): Promise<void> {
  const st = await statusOf(rig, environment);
  expect(st.version).toBe(serving.version);
  expect(st.state).toBe('serving');
  if (serving.endpoint?.scoringUri.startsWith('http')) {
    const answer = await score(rig, serving.endpoint);
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toHaveProperty('result');
  }
}

/** A permanent fault: a clear failure, and the previous version still serves (really called). */
export async function expectFailedSafely(
  rig: Rig,
  environment: string,
  r: RigResult,
  previous: Serving,
  code?: RegExp,
): Promise<void> {
  assertClearFailure(r);
  if (code) expect(r.error?.code).toMatch(code);
  expect(['rolled-back', 'failed']).toContain(r.outcome);
  await expectServing(rig, environment, previous);
}

/** Faults the sandbox really injected (status 0 is a dropped connection). */
export function injected(rig: Rig, api: string, statuses: number[]): number {
  return rig.sb.requests().filter((x) => x.api === api && statuses.includes(x.status)).length;
}
