import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudProfile, DoveSpec } from '@dove/deploy-core';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { listModels, locationFromCloud, modelStoreHook } from '../src/index.ts';
import { irisModel, runScorer } from './scorer-process.ts';

let sandbox: Sandbox;
let stateDir: string;
beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'model-store-sandbox-'));
  sandbox = await startSandbox({ stateDir, preset: 'test' });
});
afterAll(async () => {
  await sandbox?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

test("the sandbox's storage account holds the model a scoring container downloads", async () => {
  const cloud = sandbox.profile as CloudProfile;
  expect(cloud.sandbox?.storage?.blobEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
  const spec = {
    apiVersion: 'dove/v1',
    model: { name: 'iris-classifier', version: '1.0.0', path: irisModel },
    scoring: { image: 'x', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
    targets: {},
  } satisfies DoveSpec;
  const delivery = await modelStoreHook()({ spec, model: spec.model, specHash: 'h', cloud });
  expect(delivery?.uri).toContain(
    `${cloud.sandbox?.storage?.blobEndpoint}/dove-models/iris-classifier/1.0.0/`,
  );
  const stored = await listModels({ store: locationFromCloud(cloud, { container: 'dove-models' }) });
  expect(stored.map((v) => `${v.name}/${v.version}`)).toEqual(['iris-classifier/1.0.0']);

  const scorer = await runScorer({
    DOVE_MODEL_URI: delivery?.uri ?? '',
    DOVE_MODEL_SAS: delivery?.sasToken ?? '',
  });
  expect(scorer.out).toContain('model iris-classifier 1.0.0 loaded');
  expect(scorer.out).toContain('listening on');
});
