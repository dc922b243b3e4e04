import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import type { Plan, RequestCounts, ScoringSpec, TargetContext, TargetPlugin } from '@dove/deploy-core';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { aci } from '../src/plugin.ts';
import { type AciConfig, aciConfigSchema } from '../src/schema.ts';

export const scoring: ScoringSpec = {
  image: 'ghcr.io/dove-examples/iris-scorer:1.0.0',
  port: 5001,
  scoreRoute: '/score',
  healthRoute: '/',
  sample: { body: { data: [[5.1, 3.5, 1.4, 0.2]] }, expectStatus: 200, expectKey: 'result' },
  env: {},
};

export async function startTestSandbox() {
  const dir = mkdtempSync(join(tmpdir(), 'dove-aci-'));
  const sb = await startSandbox({ stateDir: dir, storage: false, delays: { provisionMs: 30 } });
  return {
    sb,
    async stop() {
      await sb.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The same plugin a user gets, polling fast and retrying with short delays for tests. */
export const plugin = () =>
  aci({ pollIntervalMs: 50, retry: { retryDelayInMs: 20, maxRetryDelayInMs: 100, maxRetries: 6 } });

export function makeContext(
  sb: Sandbox,
  settings: Record<string, unknown>,
  version = '1.0.0',
  environment = 'dev',
) {
  const p = sb.profile;
  const config = aciConfigSchema.parse({
    subscription: p.sandbox.subscriptionId,
    resourceGroup: 'dove-sandbox',
    location: 'westeurope',
    readyTimeoutSeconds: 30,
    ...settings,
  });
  const secrets: string[] = [];
  const counts: RequestCounts = { reads: 0, writes: 0, byApi: {} };
  const ctx: TargetContext<AciConfig> = {
    environment,
    config,
    model: { name: 'iris-classifier', version },
    scoring,
    spec: { apiVersion: 'dove/v1', model: { name: 'iris-classifier', version }, scoring, targets: {} },
    specHash: createHash('sha256').update(JSON.stringify({ settings, version })).digest('hex').slice(0, 16),
    cloud: p,
    credential: new ClientSecretCredential(p.sandbox.tenantId, p.sandbox.clientId, p.sandbox.clientSecret, {
      authorityHost: p.authorityHost,
      tlsOptions: { ca: p.caCert },
      disableInstanceDiscovery: true,
    }),
    signal: new AbortController().signal,
    requests: {
      count(api, method) {
        const write = !['GET', 'HEAD'].includes(method.toUpperCase());
        counts.byApi[api] ??= { reads: 0, writes: 0 };
        const b = counts.byApi[api];
        if (write) {
          counts.writes++;
          b.writes++;
        } else {
          counts.reads++;
          b.reads++;
        }
      },
      snapshot: () => structuredClone(counts),
    },
    progress() {},
    log() {},
    secret(v) {
      secrets.push(v);
      return v;
    },
  };
  return { ctx, secrets };
}

/** plan → apply → verify, rolling back on failure (the orchestrator's order). */
export async function deploy(t: TargetPlugin<AciConfig>, ctx: TargetContext<AciConfig>) {
  const plan = (await t.plan(ctx)) as Plan;
  if (plan.action === 'noop') return { plan, outcome: 'noop' as const };
  try {
    const applied = await t.apply(ctx, plan);
    const verified = await t.verify(ctx, applied, plan);
    return { plan, outcome: 'succeeded' as const, verified };
  } catch (error) {
    await t.rollback(ctx, plan);
    return { plan, outcome: 'rolled-back' as const, error: error as Error & { code?: string } };
  }
}
