import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { edge } from '../src/index.ts';
import { context } from './harness.ts';

const plugin = edge();
let sb: Sandbox;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-edge-10k-'));
  sb = await startSandbox({
    stateDir: dir,
    storage: false,
    delays: { edgeReportMs: 100 },
    fleet: {
      devices: {
        count: 10000,
        tags: (i: number) => ({ role: 'iris-station', ring: i % 10 === 0 ? 'canary' : 'main' }),
      },
    },
  });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a 10,000-device fleet: a deploy is 3 requests and each poll is 1, whatever the fleet size', async () => {
  const ctx = context(sb, {
    fleet: { targetCondition: "tags.role = 'iris-station'" },
    successThreshold: 100,
    deadlineSeconds: 20,
  });
  const hubRequests = () => sb.requests().filter((r) => r.api === 'iothub');
  sb.resetRequests();
  const plan = await plugin.plan(ctx);
  expect(plan.summary).toMatch(/reaching 10000 devices now/);
  const applied = await plugin.apply(ctx, plan);
  // plan: list deployments + one COUNT query (a POST that only reads); apply: one PUT (never one per device).
  expect(ctx.requests.snapshot()).toMatchObject({ reads: 2, writes: 1 });
  expect(hubRequests().length).toBe(3);
  ctx.requests.reset();
  const polls: string[] = [];
  const verified = await plugin.verify({ ...ctx, progress: (m) => polls.push(m) }, applied, plan);
  expect(verified.details).toMatchObject({ targeted: 10000, applied: 10000, succeeded: 10000 });
  // One GET per poll (each poll reports one progress line).
  const { reads, writes } = ctx.requests.snapshot();
  expect(writes).toBe(0);
  expect(reads).toBe(polls.length);
  expect(hubRequests().length).toBe(3 + reads);
  // The canary ring only: a COUNT over the fleet is one request.
  ctx.requests.reset();
  const canary = context(
    sb,
    { fleet: { targetCondition: "tags.ring = 'canary'" } },
    { environment: 'canary' },
  );
  expect((await plugin.plan(canary)).summary).toMatch(/reaching 1000 devices now/);
  expect(canary.requests.snapshot().reads + canary.requests.snapshot().writes).toBe(2);
  await plugin.destroy(ctx);
}, 60_000);
