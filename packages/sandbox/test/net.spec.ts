import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createLoopbackNetwork, readHostsFile } from '../src/net/loopback.ts';

test('an allocated address forwards its port to the picked loopback port; hosts are published', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-net-'));
  const net = createLoopbackNetwork({ hostsFile: join(dir, 'hosts') });
  const backend = createServer((_req, res) => res.end('hello'));
  await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
  const port = (backend.address() as { port: number }).port;
  const ip = net.allocateIp();
  expect(ip).toMatch(/^127\.77\.\d+\.\d+$/);
  expect(net.allocateIp()).not.toBe(ip);
  let target: number | undefined = port;
  const fwd = await net.forward(ip, 18080, () => target);
  try {
    expect(await (await fetch(`http://${ip}:18080/`)).text()).toBe('hello');
    target = undefined;
    await expect(fetch(`http://${ip}:18080/`)).rejects.toThrow();
    net.publishHost('App.westeurope.azurecontainer.io', ip);
    expect(readHostsFile(join(dir, 'hosts')).get('app.westeurope.azurecontainer.io')).toBe(ip);
    net.unpublishHost('app.westeurope.azurecontainer.io');
    expect(readHostsFile(join(dir, 'hosts')).size).toBe(0);
  } finally {
    await fwd.close();
    await new Promise((r) => backend.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
});
