import {
  isReadRequest,
  type RequestCounter,
  type RequestCounts,
  type TargetContext,
} from '@dove/deploy-core';
import type { Sandbox } from '@dove/sandbox';
import { type EdgeConfig, edgeConfigSchema } from '../src/index.ts';

/** Counts requests the way the host does, per API and read/write. */
export function counter(): RequestCounter & { reset(): void } {
  let counts: RequestCounts = { reads: 0, writes: 0, byApi: {} };
  return {
    count(api, method, request) {
      const write = !isReadRequest(method, request);
      const a = counts.byApi[api] ?? { reads: 0, writes: 0 };
      counts.byApi[api] = a;
      if (write) {
        counts.writes++;
        a.writes++;
      } else {
        counts.reads++;
        a.reads++;
      }
    },
    snapshot: () => structuredClone(counts),
    reset() {
      counts = { reads: 0, writes: 0, byApi: {} };
    },
  };
}

export const secrets: string[] = [];
export const progress: string[] = [];

/** A target context for one environment, with settings checked by the plugin's own schema. */
export function context(
  sb: Sandbox,
  settings: Record<string, unknown>,
  over: { version?: string; environment?: string; specHash?: string; image?: string } = {},
): TargetContext<EdgeConfig> & { requests: ReturnType<typeof counter> } {
  const hub = sb.profile.sandbox.iotHubs['dove-hub'] as { connectionString: string };
  const config = edgeConfigSchema.parse({
    hub: { connectionString: hub.connectionString },
    pollSeconds: 0.02,
    deadlineSeconds: 5,
    ...settings,
  });
  const version = over.version ?? '1.0.0';
  const scoring = {
    image: over.image ?? 'example.azurecr.io/iris-scorer:1.0.0',
    port: 5001,
    scoreRoute: '/score',
    healthRoute: '/',
    env: {},
  };
  return {
    environment: over.environment ?? 'edge-fleet',
    config,
    model: { name: 'iris', version },
    scoring,
    spec: { apiVersion: 'dove/v1', model: { name: 'iris', version }, scoring, targets: {} } as never,
    specHash: over.specHash ?? `hash${version.replace(/\./g, '')}abcdef`,
    cloud: sb.profile,
    credential: { getToken: async () => null },
    signal: new AbortController().signal,
    requests: counter(),
    progress: (m) => {
      progress.push(m);
    },
    log: () => {},
    secret: (v) => {
      secrets.push(v);
      return v;
    },
  };
}
