import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CloudProfile, DoveSpec } from '@dove/deploy-core';
import { expect, test } from 'vitest';
import { modelStoreHook, type UploadModelResult, withFileSas } from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();

function sandboxCloud(): CloudProfile {
  const a = env.azurite();
  return {
    name: 'sandbox',
    armEndpoint: 'https://127.0.0.1:1',
    authorityHost: 'https://127.0.0.1:1',
    iotHubHostSuffix: 'azure-devices.sandbox',
    storageEndpointSuffix: 'core.sandbox',
    sandbox: {
      stateDir: '.',
      pid: 0,
      tenantId: 't',
      subscriptionId: 's',
      clientId: 'c',
      clientSecret: 'x',
      resourceGroups: [],
      location: 'westeurope',
      iotHubs: {},
      kubeconfigs: {},
      storage: {
        accountName: a.accountName,
        connectionString: a.connectionString,
        blobEndpoint: a.blobEndpoint,
      },
      controlUrl: 'https://127.0.0.1:1',
    },
  };
}

test('the hook uploads the spec model (relative to the spec file) once and delivers it', async () => {
  const root = await env.tmp();
  await writeModel(root, { 'model/model.json': '{"w":[0.5]}' });
  const specFile = join(root, 'dove.yaml');
  await writeFile(specFile, 'apiVersion: dove/v1\n');
  const spec = {
    apiVersion: 'dove/v1',
    model: { name: 'iris-classifier', version: '1.0.0', path: 'model' },
    scoring: { image: 'x', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
    targets: {},
    file: specFile,
  } satisfies DoveSpec;
  const uploads: UploadModelResult[] = [];
  const logs: string[] = [];
  const hook = modelStoreHook({
    container: 'hook-models',
    onUpload: (r) => uploads.push(r),
    expiresInMinutes: 30,
  });
  const request = {
    spec,
    model: { ...spec.model },
    specHash: 'spec-hash-1',
    cloud: sandboxCloud(),
    log: (_level: string, message: string) => logs.push(message),
  };
  const first = await hook(request);
  const second = await hook(request);
  expect(uploads.map((u) => [u.status, u.bytesUploaded])).toEqual([
    ['created', 11],
    ['unchanged', 0],
  ]);
  expect(logs[1]).toContain('already stored (0 bytes uploaded)');
  expect(first?.uri).toBe(`${env.azurite().blobEndpoint}/hook-models/iris-classifier/1.0.0/`);
  expect(Date.parse(second?.expiresOn ?? '')).toBeLessThan(Date.now() + 31 * 60_000);
  const res = await fetch(withFileSas(`${second?.uri}model.json`, second?.sasToken, 'model.json'));
  expect(await res.text()).toBe('{"w":[0.5]}');
});

test('a model given by URI is left alone', async () => {
  const hook = modelStoreHook();
  const spec = {
    apiVersion: 'dove/v1',
    model: { name: 'iris', version: '1', uri: 'https://example.invalid/m' },
    scoring: { image: 'x', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
    targets: {},
  } satisfies DoveSpec;
  expect(await hook({ spec, model: spec.model, specHash: 'h', cloud: sandboxCloud() })).toBeUndefined();
});
