import { readFileSync, statSync } from 'node:fs';
import { Agent, fetch as undiciFetch } from 'undici';
import type { CloudProfile } from './cloud.ts';

const hostsCache = new Map<string, { mtimeMs: number; map: Map<string, string> }>();

/** Resolves a name through the cloud's hosts file (re-read when it changes), else undefined. */
export function lookupHost(cloud: CloudProfile, name: string): string | undefined {
  if (!cloud.hostsFile) return undefined;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(cloud.hostsFile).mtimeMs;
  } catch {
    return undefined;
  }
  let cached = hostsCache.get(cloud.hostsFile);
  if (!cached || cached.mtimeMs !== mtimeMs) {
    const map = new Map<string, string>();
    for (const line of readFileSync(cloud.hostsFile, 'utf8').split('\n')) {
      const [ip, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
      if (ip) for (const n of names) map.set(n.toLowerCase(), ip);
    }
    cached = { mtimeMs, map };
    hostsCache.set(cloud.hostsFile, cached);
  }
  return cached.map.get(name.toLowerCase());
}

export type DoveFetch = (url: string | URL, init?: RequestInit & { timeoutMs?: number }) => Promise<Response>;

/**
 * fetch for scoring endpoints and other plain HTTPS calls: trusts the cloud's CA and resolves
 * names through its hosts file before DNS (so TLS still checks the real host name).
 */
export function doveFetch(cloud: CloudProfile): DoveFetch {
  const dispatcher = new Agent({
    connect: {
      ...(cloud.caCert ? { ca: cloud.caCert } : {}),
      lookup: (hostname, options, callback) => {
        const ip = lookupHost(cloud, hostname);
        if (ip) {
          const family = ip.includes(':') ? 6 : 4;
          if ((options as { all?: boolean }).all)
            return (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
              { address: ip, family },
            ]);
          return callback(null, ip, family);
        }
        import('node:dns').then((dns) => dns.lookup(hostname, options, callback as never));
      },
    },
  });
  return async (url, init = {}) => {
    const { timeoutMs = 15_000, signal, ...rest } = init;
    const timeout = AbortSignal.timeout(timeoutMs);
    return (await undiciFetch(url, {
      ...(rest as object),
      dispatcher,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })) as unknown as Response;
  };
}
