import { ContainerSASPermissions } from '@azure/storage-blob';
import { test } from 'vitest';
import { createModelDelivery, openContainer, uploadModel } from '../src/index.ts';
import { useAzurite } from './helpers.ts';
import { expectTamperRefused, irisModel } from './scorer-process.ts';

const env = useAzurite();

test('the scorer serves a verified model and refuses a tampered one (one token for the version)', async () => {
  const store = env.store();
  await uploadModel({
    store,
    model: { name: 'iris-classifier', version: '1.0.0', path: irisModel },
    specHash: 'h',
  });
  // A read-only container SAS, as a directory SAS would be on a hierarchical-namespace account:
  // the scorer's sha256 check does not depend on how the token is scoped.
  const container = openContainer(store);
  const url = await container.generateSasUrl({
    permissions: ContainerSASPermissions.parse('r'),
    expiresOn: new Date(Date.now() + 600_000),
  });
  const delivery = await createModelDelivery({ store, name: 'iris-classifier', version: '1.0.0' });
  await expectTamperRefused({ DOVE_MODEL_URI: delivery.uri, DOVE_MODEL_SAS: new URL(url).search }, store);
});
