import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { startSandbox } from '../src/sandbox.ts';
import { withFaultsAndLog } from '../src/serve.ts';

test('servers wrapped with withFaultsAndLog get the sandbox fault rules and request log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-serve-'));
  const sb = await startSandbox({ stateDir: dir, storage: false });
  const server = createServer(
    withFaultsAndLog(sb.ctx, 'k8s', (_req, res) => {
      res.end('{"kind":"Status"}');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/api/v1/namespaces`;
  try {
    sb.resetRequests();
    sb.faults.add({ api: 'k8s', times: 1, fault: { type: 'status', status: 503, retryAfterSeconds: 2 } });
    sb.faults.add({ api: 'arm', fault: { type: 'drop' } }); // other families are not affected
    const faulted = await fetch(url);
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get('retry-after')).toBe('2');
    expect((await fetch(url)).status).toBe(200);
    expect(sb.requests().map((r) => `${r.api} ${r.path} ${r.status}`)).toEqual([
      'k8s /api/v1/namespaces 503',
      'k8s /api/v1/namespaces 200',
    ]);
  } finally {
    await new Promise((r) => server.close(r));
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
