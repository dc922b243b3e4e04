import { describe, expect, test } from 'vitest';
import type { DoveError } from '../src/errors.ts';
import { backoffDelay, parseRetryAfter, pollUntilDone } from '../src/poller.ts';

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as DoveError,
  );

function fakeClock() {
  let t = 0;
  const waits: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      waits.push(ms);
      t += ms;
    },
    waits,
  };
}

describe('pollUntilDone', () => {
  test('honours Retry-After exactly, otherwise backs off with growing jittered delays', async () => {
    const c = fakeClock();
    const answers = [
      { status: 'running', retryAfterMs: 7000 },
      { status: 'running' },
      { status: 'running' },
      { status: 'running' },
      { status: 'succeeded', value: 42 },
    ] as const;
    const v = await pollUntilDone(async (i) => answers[i] ?? { status: 'failed' }, {
      what: 'x',
      initialDelayMs: 1000,
      maxDelayMs: 3000,
      now: c.now,
      sleep: c.sleep,
      random: () => 1,
    });
    expect(v).toBe(42);
    expect(c.waits).toEqual([7000, 2000, 3000, 3000]);
  });

  test('jitter stays between half and all of the exponential delay', () => {
    for (const r of [0, 0.5, 0.999]) {
      const d = backoffDelay(2, { initialDelayMs: 100, random: () => r });
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });

  test('gives up at the deadline with DOVE_TIMEOUT naming what it waited for', async () => {
    const c = fakeClock();
    const e = await failure(
      pollUntilDone(async () => ({ status: 'running', message: 'Creating' }), {
        what: 'group g to run',
        deadlineMs: 10_000,
        now: c.now,
        sleep: c.sleep,
      }),
    );
    expect(e.code).toBe('DOVE_TIMEOUT');
    expect(e.message).toContain('group g to run');
    expect(e.message).toContain('Creating');
  });

  test('cancellation through an AbortSignal stops the wait', async () => {
    const ac = new AbortController();
    const p = pollUntilDone(async () => ({ status: 'running' }), {
      what: 'x',
      initialDelayMs: 60_000,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 20);
    await expect(p).rejects.toMatchObject({ code: 'DOVE_CANCELED' });
  });

  test('a failed status throws its error', async () => {
    await expect(
      pollUntilDone(async () => ({ status: 'failed', message: 'ImagePull' }), { what: 'x' }),
    ).rejects.toMatchObject({ code: 'DOVE_PROVISION_FAILED' });
  });
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  expect(parseRetryAfter('3')).toBe(3000);
  expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
  expect(parseRetryAfter('soon')).toBeUndefined();
  expect(parseRetryAfter(undefined)).toBeUndefined();
});
