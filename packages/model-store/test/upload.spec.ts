import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import {
  isModelStoreError,
  openContainer,
  readManifest,
  type UploadProgress,
  uploadModel,
} from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('uploadModel', () => {
  test('first upload stores every file under <name>/<version>/ and the manifest last', async () => {
    const store = env.store();
    const dir = await writeModel(await env.tmp(), {
      'model.json': '{"w":[1,2,3]}',
      'vocab/labels.txt': 'a\nb\n',
    });
    const result = await uploadModel({
      store,
      model: { name: 'iris', version: '1.0.0', path: dir },
      specHash: 'abc123',
      gitSha: 'deadbeef',
      releaseTag: 'v1.0.0',
    });
    expect(result.status).toBe('created');
    expect(result.bytesUploaded).toBe(result.totalBytes);
    expect(result.totalBytes).toBe(13 + 4);

    const container = openContainer(store);
    const names: string[] = [];
    for await (const b of container.listBlobsFlat()) names.push(b.name);
    expect(names.sort()).toEqual([
      'iris/1.0.0/manifest.json',
      'iris/1.0.0/model.json',
      'iris/1.0.0/vocab/labels.txt',
    ]);

    const manifest = await readManifest(container, 'iris', '1.0.0');
    expect(manifest).toMatchObject({
      model: 'iris',
      version: '1.0.0',
      specHash: 'abc123',
      gitSha: 'deadbeef',
      releaseTag: 'v1.0.0',
      files: [
        { path: 'model.json', size: 13, sha256: sha(Buffer.from('{"w":[1,2,3]}')) },
        { path: 'vocab/labels.txt', size: 4, sha256: sha(Buffer.from('a\nb\n')) },
      ],
    });
    expect(Date.parse(manifest?.createdAt ?? '')).not.toBeNaN();
    const stored = await container.getBlobClient('iris/1.0.0/vocab/labels.txt').downloadToBuffer();
    expect(stored.toString()).toBe('a\nb\n');
  });

  test('uploading the same bytes again sends nothing', async () => {
    const store = env.store();
    const dir = await writeModel(await env.tmp(), { 'weights.bin': 300_000 });
    const model = { name: 'iris', version: '2.0.0', path: dir };
    await uploadModel({ store, model, specHash: 'h1' });
    const again = await uploadModel({ store, model, specHash: 'h2' });
    expect(again.status).toBe('unchanged');
    expect(again.bytesUploaded).toBe(0);
    expect(again.bytesReused).toBe(300_000);
    // The stored version is the first one: its manifest was not rewritten.
    expect(again.manifest.specHash).toBe('h1');
  });

  test('different bytes under an existing version are refused with what to do', async () => {
    const store = env.store();
    const dir = await writeModel(await env.tmp(), { 'model.json': '{"w":1}' });
    const model = { name: 'iris', version: '3.0.0', path: dir };
    await uploadModel({ store, model, specHash: 'h' });
    await writeFile(join(dir, 'model.json'), '{"w":2}');
    const err = await uploadModel({ store, model, specHash: 'h' }).catch((e: unknown) => e);
    expect(isModelStoreError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'DOVE_MODEL_VERSION_EXISTS' });
    expect((err as Error).message).toContain('iris version 3.0.0 already exists');
    expect((err as Error).message).toContain('model.json changed');
    expect((err as Error).message).toContain('--force-new-version');
    // The stored version still holds the original bytes.
    const blob = await openContainer(store).getBlobClient('iris/3.0.0/model.json').downloadToBuffer();
    expect(blob.toString()).toBe('{"w":1}');
  });

  test('forcing stores the changed bytes as a new content-named version, once', async () => {
    const store = env.store();
    const dir = await writeModel(await env.tmp(), { 'model.json': '{"w":1}' });
    const model = { name: 'iris', version: '4.0.0', path: dir };
    await uploadModel({ store, model, specHash: 'h' });
    await writeFile(join(dir, 'model.json'), '{"w":22}');
    const forced = await uploadModel({ store, model, specHash: 'h', force: true });
    expect(forced.status).toBe('created');
    expect(forced.version).toMatch(/^4\.0\.0-[0-9a-f]{8}$/);
    const again = await uploadModel({ store, model, specHash: 'h', force: true });
    expect(again).toMatchObject({ status: 'unchanged', version: forced.version, bytesUploaded: 0 });
  });

  test('a large file goes up in parallel blocks with progress', async () => {
    const store = env.store();
    const dir = await writeModel(await env.tmp(), { 'big.bin': 1024 * 1024 + 123 });
    const events: UploadProgress[] = [];
    const result = await uploadModel({
      store,
      model: { name: 'big', version: '1', path: dir },
      specHash: 'h',
      blockSize: 64 * 1024,
      concurrency: 4,
      onProgress: (p) => events.push(p),
    });
    expect(result.bytesUploaded).toBe(1024 * 1024 + 123);
    const uploading = events.filter((e) => e.phase === 'uploading').map((e) => e.bytesUploaded);
    expect(uploading.length).toBeGreaterThanOrEqual(17);
    expect([...uploading].sort((a, b) => a - b)).toEqual(uploading);
    expect(events.at(-1)?.phase).toBe('done');
    const blob = openContainer(store).getBlockBlobClient('big/1/big.bin');
    const blocks = await blob.getBlockList('committed');
    expect(blocks.committedBlocks).toHaveLength(17);
    const bytes = await blob.downloadToBuffer();
    expect(sha(bytes)).toBe(sha(await readFile(join(dir, 'big.bin'))));
  });

  test('bad input names the field and what to do', async () => {
    const store = env.store();
    await expect(
      uploadModel({ store, model: { name: 'Iris Model', version: '1', path: '.' }, specHash: 'h' }),
    ).rejects.toThrow(/model.name "Iris Model" is not a valid model name.*lower-case/);
    await expect(
      uploadModel({ store, model: { name: 'iris', version: '../1', path: '.' }, specHash: 'h' }),
    ).rejects.toThrow(/model.version "..\/1" is not a valid version/);
    await expect(
      uploadModel({
        store,
        model: { name: 'iris', version: '1', path: '/nonexistent/model' },
        specHash: 'h',
      }),
    ).rejects.toThrow(/model path \/nonexistent\/model does not exist/);
  });
});
