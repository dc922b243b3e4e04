import { test } from 'vitest';
import { createModelDelivery, uploadModel } from '../src/index.ts';
import { useAzurite } from './helpers.ts';
import { expectTamperRefused, irisModel } from './scorer-process.ts';

const env = useAzurite();

test('the scorer reads the per-file tokens the store delivers', async () => {
  const store = env.store();
  await uploadModel({
    store,
    model: { name: 'iris-classifier', version: '1.0.0', path: irisModel },
    specHash: 'h',
  });
  const delivery = await createModelDelivery({ store, name: 'iris-classifier', version: '1.0.0' });
  await expectTamperRefused({ DOVE_MODEL_URI: delivery.uri, DOVE_MODEL_SAS: delivery.sasToken ?? '' }, store);
});
