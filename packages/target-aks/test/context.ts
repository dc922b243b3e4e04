import { ClientSecretCredential } from '@azure/identity';
import { createRequestCounter, type DoveSpec, type TargetContext } from '@dove/deploy-core';
import type { Sandbox } from '@dove/sandbox';
import { type AksConfig, configSchema } from '../src/config.ts';

/** Counts like the orchestrator's counter: GET/HEAD are reads, everything else writes. */
/** The host's counter (deploy-core's), so tests count reads and writes exactly as users see them. */
export const counter = createRequestCounter;

export const IRIS_IMAGE = 'example.azurecr.io/dove-examples/iris-scorer:1.0.0';

/** A target context for environment `prod` against the sandbox, as the orchestrator would build it. */
export function sandboxContext(
  sb: Sandbox,
  settings: Record<string, unknown>,
  o: { version?: string; specHash?: string; image?: string } = {},
): TargetContext<AksConfig> & { progressLines: string[] } {
  const { tenantId, clientId, clientSecret } = sb.profile.sandbox;
  const progressLines: string[] = [];
  return {
    environment: 'prod',
    config: configSchema.parse(settings),
    model: { name: 'iris', version: o.version ?? '1.0.0' },
    scoring: {
      image: o.image ?? IRIS_IMAGE,
      port: 5001,
      scoreRoute: '/score',
      healthRoute: '/',
      env: {},
      sample: { body: { data: [[5.1, 3.5, 1.4, 0.2]] }, expectStatus: 200 },
    },
    spec: {} as DoveSpec,
    specHash: o.specHash ?? `hash-${o.version ?? '1.0.0'}`,
    cloud: sb.profile,
    credential: new ClientSecretCredential(tenantId, clientId, clientSecret, {
      authorityHost: sb.profile.authorityHost,
      tlsOptions: { ca: sb.profile.caCert! },
      disableInstanceDiscovery: true,
    }),
    signal: AbortSignal.timeout(120_000),
    requests: counter(),
    progress: (m) => progressLines.push(m),
    log: () => {},
    secret: (v) => v,
    progressLines,
  };
}
