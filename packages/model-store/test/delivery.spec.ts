import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, test } from 'vitest';
import { createModelDelivery, isModelStoreError, uploadModel, withFileSas } from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();

async function twoVersions() {
  const store = env.store();
  for (const version of ['1', '2']) {
    const dir = await writeModel(await env.tmp(), {
      'model.json': `{"v":${version}}`,
      'extra/notes.txt': version,
    });
    await uploadModel({ store, model: { name: 'iris', version, path: dir }, specHash: 'h' });
  }
  return store;
}

const get = (url: string) => fetch(url).then(async (r) => ({ status: r.status, body: await r.text() }));

describe('createModelDelivery', () => {
  test('a SAS for version 1 reads version 1 and nothing else', async () => {
    const store = await twoVersions();
    const v1 = await createModelDelivery({ store, name: 'iris', version: '1' });
    const v2 = await createModelDelivery({ store, name: 'iris', version: '2', auth: 'managed-identity' });
    expect(v1.uri).toMatch(/\/iris\/1\/$/);
    expect(v1.manifestUri).toBe(`${v1.uri}manifest.json`);
    expect(Date.parse(v1.expiresOn ?? '')).toBeGreaterThan(Date.now() + 23 * 3600_000);

    const manifest = await get(withFileSas(v1.manifestUri, v1.sasToken, 'manifest.json'));
    expect(manifest.status).toBe(200);
    expect(JSON.parse(manifest.body)).toMatchObject({ model: 'iris', version: '1' });
    for (const path of ['model.json', 'extra/notes.txt'])
      expect((await get(withFileSas(`${v1.uri}${path}`, v1.sasToken, path))).status).toBe(200);
    expect((await get(withFileSas(`${v1.uri}model.json`, v1.sasToken, 'model.json'))).body).toBe('{"v":1}');

    // Version 2's blobs refuse every token issued for version 1.
    for (const path of ['manifest.json', 'model.json', 'extra/notes.txt'])
      expect((await get(withFileSas(`${v2.uri}${path}`, v1.sasToken, path))).status).toBe(403);
    // ...and a token cannot list the container either.
    const containerUrl = v1.uri.replace(/iris\/1\/$/, '');
    const token = withFileSas('', v1.sasToken, 'manifest.json');
    expect((await get(`${containerUrl.replace(/\/$/, '')}${token}&restype=container&comp=list`)).status).toBe(
      403,
    );
  });

  test('managed identity delivery carries no token, and the container stays private', async () => {
    const store = await twoVersions();
    const d = await createModelDelivery({ store, name: 'iris', version: '2', auth: 'managed-identity' });
    expect(d.sasToken).toBeUndefined();
    expect(d.expiresOn).toBeUndefined();
    expect([401, 403, 404]).toContain((await get(d.manifestUri)).status);
  });

  test('an expired SAS is refused by the storage service', async () => {
    const store = await twoVersions();
    const d = await createModelDelivery({
      store,
      name: 'iris',
      version: '1',
      expiresOn: new Date(Date.now() + 2500),
    });
    const url = withFileSas(d.manifestUri, d.sasToken, 'manifest.json');
    expect((await get(url)).status).toBe(200);
    while (Date.now() < Date.parse(d.expiresOn ?? '') + 1500) await sleep(250);
    expect((await get(url)).status).toBe(403);
  });

  test('a version that is absent or incomplete cannot be delivered', async () => {
    const store = await twoVersions();
    const err = await createModelDelivery({ store, name: 'iris', version: '3' }).catch((e: unknown) => e);
    expect(isModelStoreError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'DOVE_MODEL_VERSION_NOT_FOUND' });
  });
});
