import type { ContainerGroup, ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import type { SmokeTest, TargetContext } from '@dove/deploy-core';
import { CONTAINER } from './definition.ts';
import { endpointFetch, endpointOf } from './endpoint.ts';
import { AciTargetError } from './errors.ts';
import type { AciConfig } from './schema.ts';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(signal.reason);
    });
  });

export interface Tuning {
  pollMs: number;
}

/** Container logs and events, for an error a user can act on. */
export async function diagnostics(
  client: ContainerInstanceManagementClient,
  rg: string,
  name: string,
  tail: number,
) {
  let logs = '';
  try {
    logs = (await client.containers.listLogs(rg, name, CONTAINER, { tail })).content ?? '';
  } catch (err) {
    logs = `(logs unavailable: ${(err as Error).message})`;
  }
  let events = '';
  try {
    const g = await client.containerGroups.get(rg, name);
    events = (g.containers[0]?.instanceView?.events ?? [])
      .map(
        (e) =>
          `${e.lastTimestamp?.toISOString?.() ?? ''} ${e.type ?? ''} ${e.name}: ${e.message} (x${e.count ?? 1})`,
      )
      .join('\n');
  } catch {}
  return `\n--- events ---\n${events || '(none)'}\n--- last log lines ---\n${logs.trimEnd() || '(empty)'}`;
}

/** Waits until the container is Running and stays up (no restart), then until the health route answers. */
export async function waitServing(
  ctx: TargetContext<AciConfig>,
  client: ContainerInstanceManagementClient,
  name: string,
  tuning: Tuning,
): Promise<ContainerGroup> {
  const rg = ctx.config.resourceGroup;
  const deadline = Date.now() + ctx.config.readyTimeoutSeconds * 1000;
  let group: ContainerGroup | undefined;
  for (;;) {
    group = await client.containerGroups.get(rg, name);
    const iv = group.containers[0]?.instanceView;
    const state = iv?.currentState?.state;
    if ((iv?.restartCount ?? 0) > 0 || state === 'Terminated' || group.provisioningState === 'Failed') {
      throw new AciTargetError(
        'ACI_CONTAINER_CRASHED',
        `The scoring container of ${name} is not staying up (state ${state ?? 'unknown'}, restarts ${iv?.restartCount ?? 0}).${await diagnostics(client, rg, name, ctx.config.logs.tail)}`,
        'Read the log lines above; run the image locally with the same environment to reproduce.',
      );
    }
    if (group.instanceView?.state === 'Running' && state === 'Running') break;
    if (Date.now() > deadline)
      throw new AciTargetError(
        'ACI_NOT_READY',
        `${name} was not Running after ${ctx.config.readyTimeoutSeconds}s (state ${state ?? 'unknown'}).${await diagnostics(client, rg, name, ctx.config.logs.tail)}`,
        'Raise readyTimeoutSeconds for slow images, or check the events above.',
      );
    ctx.progress(`waiting for ${name} to run (${state ?? 'pending'})`);
    await sleep(tuning.pollMs, ctx.signal);
  }
  const ep = endpointOf(group, routes(ctx));
  if (!ep?.healthUri) return group;
  let last = '';
  for (;;) {
    try {
      const res = await endpointFetch(ctx.cloud, ep.healthUri);
      if (res.ok) return group;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    // A crash after start shows as a restart: stop waiting and say why.
    const now = await client.containerGroups.get(rg, name);
    if ((now.containers[0]?.instanceView?.restartCount ?? 0) > 0)
      throw new AciTargetError(
        'ACI_CONTAINER_CRASHED',
        `The scoring container of ${name} restarted while Dove waited for ${ep.healthUri}.${await diagnostics(client, rg, name, ctx.config.logs.tail)}`,
      );
    if (Date.now() > deadline)
      throw new AciTargetError(
        'ACI_NOT_READY',
        `${ep.healthUri} did not answer 2xx within ${ctx.config.readyTimeoutSeconds}s (last: ${last}).${await diagnostics(client, rg, name, ctx.config.logs.tail)}`,
      );
    await sleep(tuning.pollMs, ctx.signal);
  }
}

export function routes(ctx: TargetContext<AciConfig>) {
  const s = ctx.scoring;
  return {
    port: s.port,
    score: s.scoreRoute,
    health: s.healthRoute,
    ...(s.swaggerRoute ? { swagger: s.swaggerRoute } : {}),
  };
}

/** Sends the spec's sample request to the scoring URI and checks status and key. */
export async function smoke(
  ctx: TargetContext<AciConfig>,
  scoringUri: string,
  key: string | undefined,
): Promise<SmokeTest> {
  const sample = ctx.scoring.sample;
  if (!sample) return { ok: true, message: 'no sample request in the spec: health checked only' };
  const started = performance.now();
  try {
    const res = await endpointFetch(ctx.cloud, scoringUri, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(sample.body),
    });
    const text = await res.text();
    const latencyMs = Math.round(performance.now() - started);
    const body = text.slice(0, 200);
    if (res.status !== sample.expectStatus)
      return {
        ok: false,
        status: res.status,
        latencyMs,
        body,
        message: `expected HTTP ${sample.expectStatus}, got ${res.status}`,
      };
    if (sample.expectKey) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {}
      if (!parsed || typeof parsed !== 'object' || !(sample.expectKey in parsed))
        return {
          ok: false,
          status: res.status,
          latencyMs,
          body,
          message: `the response has no "${sample.expectKey}"`,
        };
    }
    return { ok: true, status: res.status, latencyMs, body };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}
