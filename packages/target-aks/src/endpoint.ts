import type { Endpoint, SmokeTest, TargetContext } from '@dove/deploy-core';
import type { AksConfig } from './config.ts';
import type { ServiceAddress } from './extension.ts';
import type { Kube } from './kube.ts';

type Ctx = TargetContext<AksConfig>;

/** Host and port of a Service: its load balancer IP (waited for), or the ingress host. */
export async function serviceAddress(
  ctx: Ctx,
  kube: Kube,
  namespace: string,
  service: string,
): Promise<ServiceAddress> {
  const base = await serviceBase(ctx, kube, namespace, service);
  return { host: base.replace(/^http:\/\//, ''), port: ctx.config.service.port };
}

/** The scoring address of a Service: its load balancer IP (waited for), or the ingress host. */
export async function serviceEndpoint(
  ctx: Ctx,
  kube: Kube,
  namespace: string,
  service: string,
  keys?: { primary: string; secondary: string },
): Promise<Endpoint> {
  const { scoring, config } = ctx;
  const base = await serviceBase(ctx, kube, namespace, service);
  const port = config.service.port === 80 ? '' : `:${config.service.port}`;
  const endpoint: Endpoint = {
    scoringUri: `${base}${port}${scoring.scoreRoute}`,
    healthUri: `${base}${port}${scoring.healthRoute}`,
    auth: keys ? { type: 'key', primaryKey: keys.primary, secondaryKey: keys.secondary } : { type: 'none' },
  };
  if (scoring.swaggerRoute) endpoint.swaggerUri = `${base}${port}${scoring.swaggerRoute}`;
  return endpoint;
}

async function serviceBase(ctx: Ctx, kube: Kube, namespace: string, service: string): Promise<string> {
  const { config } = ctx;
  let base: string | undefined;
  if (config.service.ingressHost) base = `http://${config.service.ingressHost}`;
  const giveUpAt = Date.now() + 5 * 60_000;
  while (!base) {
    ctx.signal.throwIfAborted();
    const svc = await kube.read('Service', 'v1', namespace, service);
    const spec = svc?.spec as { type?: string; clusterIP?: string } | undefined;
    const ingress = (
      svc?.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined
    )?.loadBalancer?.ingress?.[0];
    if (ingress?.ip || ingress?.hostname) base = `http://${ingress.ip ?? ingress.hostname}`;
    else if (spec?.type === 'ClusterIP') base = `http://${service}.${namespace}.svc.cluster.local`;
    else if (Date.now() > giveUpAt)
      throw new Error(`Service ${namespace}/${service} got no load balancer address in 5 minutes.`);
    else await new Promise((r) => setTimeout(r, 250));
  }
  return base;
}

/** Calls the scoring route with the spec's sample request (or the health route without one). */
export async function smoke(ctx: Ctx, endpoint: Endpoint): Promise<SmokeTest> {
  const sample = ctx.scoring.sample;
  const started = performance.now();
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (endpoint.auth?.primaryKey) headers.authorization = `Bearer ${endpoint.auth.primaryKey}`;
  ctx.requests.count('scoring', sample ? 'POST' : 'GET');
  try {
    const res = await fetch(sample ? endpoint.scoringUri : (endpoint.healthUri ?? endpoint.scoringUri), {
      method: sample ? 'POST' : 'GET',
      headers,
      ...(sample ? { body: JSON.stringify(sample.body) } : {}),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.config.scoringTimeoutMs)]),
    });
    const body = await res.text();
    const expect = sample?.expectStatus ?? 200;
    let ok = res.status === expect;
    let message: string | undefined;
    if (!ok) message = `expected HTTP ${expect}, got ${res.status}`;
    if (ok && sample?.expectKey) {
      try {
        ok = sample.expectKey in (JSON.parse(body) as Record<string, unknown>);
      } catch {
        ok = false;
      }
      if (!ok) message = `response has no '${sample.expectKey}'`;
    }
    const result: SmokeTest = {
      ok,
      status: res.status,
      latencyMs: Math.round(performance.now() - started),
      body: body.slice(0, 200),
    };
    if (message) result.message = message;
    return result;
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
