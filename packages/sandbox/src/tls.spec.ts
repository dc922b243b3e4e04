import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadOrCreateCa } from './tls.ts';

const dir = mkdtempSync(join(tmpdir(), 'dove-tls-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a client that trusts the CA reaches a server with an issued certificate; others refuse it', async () => {
  const ca = await loadOrCreateCa(dir);
  const { certPem, keyPem } = await ca.issue(['localhost', '127.0.0.1']);
  const server = createServer({ cert: certPem, key: keyPem }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const { request } = await import('node:https');
  const get = (ca?: string) =>
    new Promise<string>((resolve, reject) => {
      request({ host: '127.0.0.1', port, ca }, (res) => {
        let body = '';
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
  expect(await get(ca.certPem)).toBe('ok');
  await expect(get(undefined)).rejects.toThrow(/self[- ]signed|unable to verify/i);
  server.close();
  // A second load reuses the same CA.
  const again = await loadOrCreateCa(dir);
  expect(again.certPem).toBe(ca.certPem);
});
