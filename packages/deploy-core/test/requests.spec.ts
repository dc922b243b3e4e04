import { expect, test } from 'vitest';
import { createRequestCounter, isReadRequest } from '../src/requests.ts';

test('GET/HEAD are reads; PUT/PATCH/DELETE and plain POSTs are writes', () => {
  expect(isReadRequest('get')).toBe(true);
  expect(isReadRequest('HEAD')).toBe(true);
  for (const m of ['PUT', 'PATCH', 'DELETE', 'POST']) expect(isReadRequest(m)).toBe(false);
  expect(
    isReadRequest('POST', {
      url: 'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerInstance/containerGroups/g/restart?api-version=2023-05-01',
    }),
  ).toBe(false);
});

test('POSTs that only read (ARM list actions, IoT Hub queries, readOnly) are reads', () => {
  const arm =
    'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c';
  expect(isReadRequest('POST', { url: `${arm}/listClusterUserCredential?api-version=2024-09-01` })).toBe(
    true,
  );
  expect(isReadRequest('POST', { url: `${arm}/listKeys` })).toBe(true);
  expect(
    isReadRequest('POST', { url: 'https://hub.azure-devices.net/devices/query?api-version=2021-04-12' }),
  ).toBe(true);
  expect(isReadRequest('POST', { readOnly: true })).toBe(true);
  // "list" must be an action segment, not any path ending in "list".
  expect(isReadRequest('POST', { url: `${arm}/playlist` })).toBe(false);
  expect(isReadRequest('DELETE', { url: `${arm}/listKeys` })).toBe(false);
});

test('the counter splits per API and in total', () => {
  const c = createRequestCounter();
  c.count('arm', 'GET');
  c.count('arm', 'POST', { url: 'https://x/providers/y/listClusterUserCredential' });
  c.count('arm', 'PUT');
  c.count('iothub', 'POST', { readOnly: true });
  c.count('iothub', 'POST');
  expect(c.snapshot()).toEqual({
    reads: 3,
    writes: 2,
    byApi: { arm: { reads: 2, writes: 1 }, iothub: { reads: 1, writes: 1 } },
  });
});
