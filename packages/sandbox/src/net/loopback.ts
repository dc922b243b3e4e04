import { randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import type { LoopbackNetwork } from '../types.ts';

/**
 * Linux routes all of 127.0.0.0/8 to the loopback interface, so each public endpoint can own an
 * address and listen on the port the user asked for. Addresses are taken from 127.77.0.0/16, clear
 * of 127.0.0.1 (the sandbox's own servers).
 */
export function createLoopbackNetwork(options: { hostsFile: string }): LoopbackNetwork {
  // Each sandbox starts at its own random place in 127.77.0.0/16: sandboxes running side by side
  // (parallel test runs, a demo beside the tests) would otherwise all hand out 127.77.0.2 first
  // and clash on the same address and port (EADDRINUSE).
  const SPACE = 256 * 254 - 2;
  const start = randomInt(0, SPACE);
  let allocated = 0;
  const hosts = new Map<string, string>();
  writeFileSync(options.hostsFile, '# names published by the Dove sandbox\n');
  const flush = () => {
    const lines = [...hosts].map(([name, ip]) => `${ip} ${name}`);
    writeFileSync(options.hostsFile, `# names published by the Dove sandbox\n${lines.join('\n')}\n`);
  };
  return {
    allocateIp() {
      if (allocated >= SPACE) throw new Error('The sandbox ran out of loopback addresses (127.77.x.y)');
      const n = 2 + ((start + allocated++) % SPACE);
      return `127.77.${Math.floor(n / 254)}.${(n % 254) + 1}`;
    },
    async forward(ip, port, pick) {
      const sockets = new Set<Socket>();
      const server = createServer((client) => {
        sockets.add(client);
        client.on('close', () => sockets.delete(client));
        const target = pick();
        if (target === undefined) {
          client.destroy();
          return;
        }
        const upstream = createConnection({ host: '127.0.0.1', port: target });
        sockets.add(upstream);
        upstream.on('close', () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.on('error', () => upstream.destroy());
        upstream.on('error', () => client.destroy());
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, ip, () => resolve());
      });
      return {
        close: () =>
          new Promise<void>((resolve) => {
            for (const s of sockets) s.destroy();
            server.close(() => resolve());
          }),
      };
    },
    publishHost(name, ip) {
      hosts.set(name.toLowerCase(), ip);
      flush();
    },
    unpublishHost(name) {
      hosts.delete(name.toLowerCase());
      flush();
    },
  };
}

/** Reads an /etc/hosts-style file into name -> ip (lower-case names). */
export function readHostsFile(path: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const t = line.replace(/#.*/, '').trim();
    if (!t) continue;
    const [ip, ...names] = t.split(/\s+/);
    for (const n of names) if (ip) map.set(n.toLowerCase(), ip);
  }
  return map;
}
