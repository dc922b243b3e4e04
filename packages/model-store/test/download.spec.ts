import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createModelDelivery, downloadModel, openContainer, uploadModel } from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();

test('downloadModel verifies every file and refuses a corrupt one, leaving nothing behind', async () => {
  const store = env.store();
  const src = await writeModel(await env.tmp(), { 'model.json': '{"w":[1]}', 'deep/w.bin': 70_000 });
  await uploadModel({ store, model: { name: 'iris', version: '1', path: src }, specHash: 'h' });
  const d = await createModelDelivery({ store, name: 'iris', version: '1' });
  const out = join(await env.tmp(), 'model');

  const manifest = await downloadModel({ uri: d.uri, sasToken: d.sasToken, dir: out });
  expect(manifest.files.map((f) => f.path)).toEqual(['deep/w.bin', 'model.json']);
  expect(await readFile(join(out, 'deep/w.bin'))).toEqual(await readFile(join(src, 'deep/w.bin')));

  await openContainer(store).getBlockBlobClient('iris/1/deep/w.bin').upload('evil', 4);
  const err = await downloadModel({ uri: d.uri, sasToken: d.sasToken, dir: join(out, '..', 'again') }).catch(
    (e: unknown) => e,
  );
  expect(err).toMatchObject({ code: 'DOVE_MODEL_CORRUPT' });
  expect((err as Error).message).toContain('corrupt model file deep/w.bin of iris 1');
  await expect(readFile(join(out, '..', 'again', 'model.json'))).rejects.toThrow(/ENOENT/);

  const other = await downloadModel({ uri: d.uri, sasToken: '{"manifest.json":"sig=nope"}', dir: out }).catch(
    (e: unknown) => e,
  );
  expect((other as Error).message).toMatch(/HTTP 403.*expired or for another version/);
});
