// A failed deploy of a new model version rolls back to the previous version, which must still be
// able to download *its* model: a SAS is scoped to one version, so the restored container needs a
// token for the old version, not the one issued for the version that failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CloudProfile, type DoveSpec, doveFetch, type TargetContext } from '@dove/deploy-core';
import { modelStoreHook } from '@dove/model-store';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { AciConfig } from '../src/schema.ts';
import { deploy, makeContext, plugin } from './harness.ts';

const irisModel = resolve(dirname(fileURLToPath(import.meta.url)), '../../../examples/iris/model');

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-aci-model-'));
  sb = await startSandbox({ stateDir: dir, delays: { provisionMs: 30 } });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function withModel(ctx: TargetContext<AciConfig>): Promise<TargetContext<AciConfig>> {
  const spec = {
    ...ctx.spec,
    model: { ...ctx.model, path: irisModel },
  } satisfies DoveSpec;
  const delivery = await modelStoreHook()({
    spec,
    model: spec.model as DoveSpec['model'] & { version: string },
    specHash: ctx.specHash,
    cloud: ctx.cloud as CloudProfile,
  });
  return { ...ctx, modelDelivery: delivery };
}

async function score(uri: string, key?: string): Promise<number> {
  // The sandbox's ACI DNS names resolve through its hosts file, as deploy-core's fetch reads it.
  const res = await doveFetch(sb.profile as CloudProfile)(uri, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
  });
  return res.status;
}

test('a failed new model version rolls back to the old one, which re-downloads its own model', async () => {
  const t = plugin();
  const base = { name: 'iris-model-rollback' };
  const v1 = await withModel(makeContext(sb, base, '1.0.0').ctx);
  const first = await deploy(t, v1);
  expect(first.outcome).toBe('succeeded');
  const endpoint = first.verified!.endpoint!;

  // Version 2 answers its sample with a 500: verify fails, rollback restores version 1. The
  // restore re-creates the container (a new env), so version 1 downloads its model again.
  const v2 = await withModel(makeContext(sb, { ...base, env: { DOVE_FAULT: 'score-500' } }, '2.0.0').ctx);
  expect(v2.modelDelivery?.uri).toContain('/iris-classifier/2.0.0/');
  const second = await deploy(t, v2);
  expect(second.outcome).toBe('rolled-back');

  const status = await t.status(makeContext(sb, base, '1.0.0').ctx);
  expect(status.version).toBe('1.0.0');
  expect(status.state).toBe('serving');
  expect(await score(endpoint.scoringUri, endpoint.auth?.primaryKey)).toBe(200);
  const logs = await t.logs!(makeContext(sb, base, '1.0.0').ctx, { tail: 200 });
  expect(logs).toContain('model iris-classifier 1.0.0 loaded');
  expect(logs).not.toMatch(/HTTP 403|refusing to serve/);
});
