import type { ContainerGroup } from '@azure/arm-containerinstance';
import { type CloudProfile, type Endpoint, lookupHost } from '@dove/deploy-core';

/** The group's scoring endpoint: by fqdn when it has a DNS label, else by IP. */
export function endpointOf(
  group: ContainerGroup,
  routes: { port: number; score: string; health: string; swagger?: string },
  keys?: string[],
): Endpoint | undefined {
  const host = group.ipAddress?.fqdn ?? group.ipAddress?.ip;
  if (!host) return undefined;
  const base = `http://${host}:${routes.port}`;
  return {
    scoringUri: `${base}${routes.score}`,
    healthUri: `${base}${routes.health}`,
    ...(routes.swagger ? { swaggerUri: `${base}${routes.swagger}` } : {}),
    auth: keys?.length
      ? { type: 'key', primaryKey: keys[0] as string, ...(keys[1] ? { secondaryKey: keys[1] } : {}) }
      : { type: 'none' },
  };
}

/** fetch() that honours the cloud's hosts file (plain HTTP endpoints only need the address). */
export async function endpointFetch(
  cloud: CloudProfile,
  uri: string,
  init: RequestInit & { timeoutMs?: number } = {},
) {
  const url = new URL(uri);
  const ip = lookupHost(cloud, url.hostname);
  if (ip && url.protocol === 'http:') url.hostname = ip;
  const { timeoutMs = 10_000, ...rest } = init;
  return fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) });
}
