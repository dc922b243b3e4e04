import { ClientSecretCredential } from '@azure/identity';
import { createRequestCounter, type DoveSpec, type TargetContext } from '@dove/deploy-core';
import type { Sandbox } from '@dove/sandbox';
import { configSchema, type FpgaConfig } from '../src/config.ts';

/** Counts like the orchestrator's counter: GET/HEAD are reads, everything else writes. */
/** The host's counter (deploy-core's), so tests count reads and writes exactly as users see them. */
export const counter = createRequestCounter;

export const FPGA_IMAGE = 'example.azurecr.io/dove-examples/fpga-scorer:1.0.0';

/** A target context for an FPGA environment against the sandbox, as the orchestrator builds it. */
export function fpgaContext(
  sb: Sandbox,
  environment: string,
  settings: Record<string, unknown>,
  o: { version?: string; raw?: boolean } = {},
): TargetContext<FpgaConfig> & { progressLines: string[]; logLines: string[] } {
  const { tenantId, clientId, clientSecret } = sb.profile.sandbox;
  const progressLines: string[] = [];
  const logLines: string[] = [];
  const version = o.version ?? '1.0.0';
  return {
    environment,
    config: o.raw ? (settings as FpgaConfig) : configSchema.parse(settings),
    model: { name: 'featurizer', version },
    scoring: {
      image: FPGA_IMAGE,
      port: 5001,
      scoreRoute: '/score',
      healthRoute: '/',
      swaggerRoute: '/swagger.json',
      env: {},
      sample: { body: { data: [[5.1, 3.5, 1.4, 0.2]] }, expectStatus: 200 },
    },
    spec: {} as DoveSpec,
    specHash: `hash-${environment}-${version}-${JSON.stringify(settings).length}`,
    cloud: sb.profile,
    credential: new ClientSecretCredential(tenantId, clientId, clientSecret, {
      authorityHost: sb.profile.authorityHost,
      tlsOptions: { ca: sb.profile.caCert! },
      disableInstanceDiscovery: true,
    }),
    signal: AbortSignal.timeout(120_000),
    requests: counter(),
    progress: (m) => progressLines.push(m),
    log: (_level, m) => logLines.push(m),
    secret: (v) => v,
    progressLines,
    logLines,
  };
}
