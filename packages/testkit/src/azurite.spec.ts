import { request } from 'node:http';
import { expect, test } from 'vitest';
import { startAzurite } from './azurite.ts';

test('starts Azurite on a free port and stops it for good', async () => {
  const az = await startAzurite();
  const status = await new Promise<number>((resolve, reject) =>
    request(`${az.blobEndpoint}?comp=list`, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end(),
  );
  expect(status).toBeGreaterThan(0);
  await az.stop();
  expect(() => process.kill(az.pid, 0)).toThrow();
});
