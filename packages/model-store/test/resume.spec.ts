import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { listModels, openContainer, readManifest, uploadModel } from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('an interrupted upload leaves no visible version, and the retry reuses the staged blocks', async () => {
  const store = env.store();
  const size = 2 * 1024 * 1024;
  const dir = await writeModel(await env.tmp(), { 'a.json': '{"first":true}', 'weights.bin': size });
  const model = { name: 'resnet', version: '7.1.0', path: dir };
  const abort = new AbortController();
  const first = await uploadModel({
    store,
    model,
    specHash: 'h',
    blockSize: 64 * 1024,
    concurrency: 2,
    signal: abort.signal,
    onProgress: (p) => {
      if (p.bytesUploaded >= 512 * 1024) abort.abort(new Error('network went away'));
    },
  }).catch((e: unknown) => e);
  expect(first).toBeInstanceOf(Error);

  const container = openContainer(store);
  // No manifest: the half version is invisible to readers and listings.
  expect(await readManifest(container, 'resnet', '7.1.0')).toBeUndefined();
  expect(await listModels({ store })).toEqual([]);
  expect(await container.getBlobClient('resnet/7.1.0/weights.bin').exists()).toBe(false);
  const staged = await container.getBlockBlobClient('resnet/7.1.0/weights.bin').getBlockList('uncommitted');
  expect(staged.uncommittedBlocks?.length).toBeGreaterThan(0);

  const retry = await uploadModel({ store, model, specHash: 'h', blockSize: 64 * 1024, concurrency: 2 });
  expect(retry.status).toBe('created');
  expect(retry.bytesReused).toBeGreaterThan(0);
  expect(retry.bytesUploaded + retry.bytesReused).toBe(retry.totalBytes);
  expect(retry.bytesUploaded).toBeLessThan(retry.totalBytes);
  const bytes = await container.getBlobClient('resnet/7.1.0/weights.bin').downloadToBuffer();
  expect(sha(bytes)).toBe(sha(await readFile(join(dir, 'weights.bin'))));
  expect((await listModels({ store })).map((v) => v.version)).toEqual(['7.1.0']);
});
