import { expect, test } from 'vitest';
import { listModels, openContainer, pruneModels, uploadModel } from '../src/index.ts';
import { useAzurite, writeModel } from './helpers.ts';

const env = useAzurite();

test('pruning keeps the newest versions and every served one', async () => {
  const store = env.store();
  for (const version of ['1.0.0', '1.1.0', '1.2.0', '1.3.0']) {
    const dir = await writeModel(await env.tmp(), { 'model.json': `{"v":"${version}"}` });
    await uploadModel({ store, model: { name: 'iris', version, path: dir }, specHash: 'h' });
  }
  const other = await writeModel(await env.tmp(), { 'm.bin': 10 });
  await uploadModel({ store, model: { name: 'resnet', version: '1', path: other }, specHash: 'h' });

  expect((await listModels({ store, name: 'iris' })).map((v) => v.version)).toEqual([
    '1.3.0',
    '1.2.0',
    '1.1.0',
    '1.0.0',
  ]);
  const dry = await pruneModels({ store, keep: 1, inUse: ['iris/1.0.0'], dryRun: true });
  expect(dry.deleted.map((v) => v.version)).toEqual(['1.2.0', '1.1.0']);
  expect((await listModels({ store })).length).toBe(5);

  const pruned = await pruneModels({ store, keep: 1, inUse: ['iris/1.0.0'] });
  expect(pruned.deleted.map((v) => `${v.name}/${v.version}`)).toEqual(['iris/1.2.0', 'iris/1.1.0']);
  expect(pruned.kept.map((v) => `${v.name}/${v.version}:${v.reason}`)).toEqual([
    'iris/1.3.0:newest',
    'iris/1.0.0:in-use',
    'resnet/1:newest',
  ]);
  expect((await listModels({ store })).map((v) => `${v.name}/${v.version}`)).toEqual([
    'iris/1.3.0',
    'iris/1.0.0',
    'resnet/1',
  ]);
  const left: string[] = [];
  for await (const b of openContainer(store).listBlobsFlat({ prefix: 'iris/' })) left.push(b.name);
  expect(left.sort()).toEqual([
    'iris/1.0.0/manifest.json',
    'iris/1.0.0/model.json',
    'iris/1.3.0/manifest.json',
    'iris/1.3.0/model.json',
  ]);
  // Keeping none still spares served versions.
  const none = await pruneModels({ store, keep: 0, inUse: ['1.0.0'] });
  expect(none.deleted.map((v) => `${v.name}/${v.version}`)).toEqual(['iris/1.3.0', 'resnet/1']);
  expect((await listModels({ store })).map((v) => v.version)).toEqual(['1.0.0']);
});

test('a version forced from a served one is spared, and served versions do not use up `keep`', async () => {
  const store = env.store();
  for (const version of ['1.0.0', '2.0.0']) {
    const dir = await writeModel(await env.tmp(), { 'model.json': `{"v":"${version}"}` });
    await uploadModel({ store, model: { name: 'iris', version, path: dir }, specHash: 'h' });
  }
  // Changed bytes forced under 1.0.0: targets report the spec's version, 1.0.0.
  const changed = await writeModel(await env.tmp(), { 'model.json': '{"v":"1.0.0 changed"}' });
  const forced = await uploadModel({
    store,
    model: { name: 'iris', version: '1.0.0', path: changed },
    specHash: 'h',
    force: true,
  });
  const pruned = await pruneModels({ store, keep: 1, inUse: ['iris/1.0.0'] });
  expect(pruned.deleted).toEqual([]);
  expect(pruned.kept.map((v) => `${v.version}:${v.reason}`)).toEqual([
    `${forced.version}:in-use`,
    '2.0.0:newest',
    '1.0.0:in-use',
  ]);
});
