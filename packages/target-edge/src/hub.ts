import { parseRetryAfter, type TargetContext } from '@dove/deploy-core';
import type { Registry } from 'azure-iothub';
import iothub from 'azure-iothub';
import { type HubAddress, hubRegistry } from './client.ts';
import { EdgeError } from './errors.ts';
import type { ModulesContent } from './manifest.ts';
import { sleep } from './rollout.ts';
import type { EdgeConfig } from './schema.ts';

const READ_ATTEMPTS = 4;
/** A deployment create that failed and is absent when read back is sent this many times in all. */
const CREATE_ATTEMPTS = 3;

export interface HubConfiguration {
  id: string;
  labels?: Record<string, string>;
  targetCondition: string;
  priority: number;
  content: { modulesContent: ModulesContent };
  createdTimeUtc?: string;
  metrics?: { queries?: Record<string, string>; results?: Record<string, number> };
  systemMetrics?: { results?: Record<string, number> };
}

export interface AgentReport {
  desiredVersion: number;
  lastDesiredVersion?: number;
  lastDesiredStatus?: { code: number; description?: string };
  modules: Record<string, { runtimeStatus?: string; statusDescription?: string; exitCode?: number }>;
}

/** The IoT Hub calls the target makes, each counted once in `ctx.requests`. */
export class Hub {
  private readonly registry: Registry;
  private readonly ctx: TargetContext<EdgeConfig>;

  constructor(ctx: TargetContext<EdgeConfig>) {
    this.ctx = ctx;
    const cs = ctx.secret(ctx.config.hub.connectionString);
    let hostName: string | undefined;
    try {
      hostName = iothub.ConnectionString.parse(cs).HostName;
    } catch {
      hostName = undefined;
    }
    if (!hostName)
      throw new EdgeError(
        'EDGE_HUB_CONNECTION_STRING',
        'hub.connectionString is not an IoT Hub connection string (HostName=...;SharedAccessKeyName=...;SharedAccessKey=...).',
        'Copy it from the hub\'s "Shared access policies" (iothubowner or a policy with registry write and service connect) into a secret variable.',
      );
    if (ctx.config.registry) ctx.secret(ctx.config.registry.password);
    this.registry = hubRegistry(cs, addressFor(ctx, hostName));
  }

  /**
   * Reads are retried when the hub is busy or unreachable. Writes are retried only when the hub
   * throttled them (429: refused before it applied anything, after its Retry-After); a write that
   * failed otherwise may have been applied, so it is not repeated blindly.
   */
  private async call<T>(
    method: string,
    what: string,
    run: () => Promise<{ responseBody: T }>,
    read = method === 'GET',
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.ctx.requests.count('iothub', method, { readOnly: read });
      try {
        return (await run()).responseBody;
      } catch (e) {
        const failure = hubFailure(e, what);
        const throttled = statusOf(e) === 429;
        if ((!read && !throttled) || failure.code !== 'EDGE_HUB_UNAVAILABLE' || attempt >= READ_ATTEMPTS)
          throw failure;
        this.ctx.log('warn', `${failure.message}; retrying (${attempt}/${READ_ATTEMPTS - 1})`);
        const backoff = Math.min(2000, this.ctx.config.pollSeconds * 1000) * 2 ** (attempt - 1);
        await sleep(Math.max(backoff, retryAfterMs(e) ?? 0), this.ctx.signal);
      }
    }
  }

  listConfigurations(): Promise<HubConfiguration[]> {
    return this.call('GET', 'list deployments', () => this.registry.getConfigurations() as never);
  }
  async getConfiguration(id: string): Promise<HubConfiguration | undefined> {
    try {
      return await this.call(
        'GET',
        `read deployment ${id}`,
        () => this.registry.getConfiguration(id) as never,
      );
    } catch (e) {
      if (e instanceof EdgeError && e.code === 'EDGE_NOT_FOUND') return undefined;
      throw e;
    }
  }
  async addConfiguration(cfg: HubConfiguration): Promise<HubConfiguration> {
    const add = () =>
      this.call<HubConfiguration>(
        'PUT',
        `create deployment ${cfg.id}`,
        () => this.registry.addConfiguration(cfg as never) as never,
      );
    for (let attempt = 1; ; attempt++) {
      try {
        return await add();
      } catch (e) {
        // The connection dropped or the hub failed: the create may or may not have happened. A
        // deployment id is unique, so reading it back tells which; create it again only if absent.
        if (!(e instanceof EdgeError) || e.code !== 'EDGE_HUB_UNAVAILABLE') throw e;
        const existing = await this.getConfiguration(cfg.id);
        if (existing) {
          const ours = Object.entries(cfg.labels ?? {}).every(([k, v]) => existing.labels?.[k] === v);
          if (!ours) throw e;
          this.ctx.log('warn', `${e.message}; deployment ${cfg.id} was created nevertheless`);
          return existing;
        }
        if (attempt >= CREATE_ATTEMPTS) throw e;
        this.ctx.log('warn', `${e.message}; deployment ${cfg.id} was not created, creating it again`);
      }
    }
  }
  updateConfiguration(cfg: HubConfiguration): Promise<HubConfiguration> {
    return this.call(
      'PUT',
      `update deployment ${cfg.id}`,
      () => this.registry.updateConfiguration(cfg as never, true) as never,
    );
  }
  async removeConfiguration(id: string): Promise<void> {
    await this.call(
      'DELETE',
      `remove deployment ${id}`,
      () => this.registry.removeConfiguration(id) as never,
    );
  }
  async count(condition: string): Promise<number> {
    const sql = `SELECT COUNT() AS n FROM devices WHERE capabilities.iotEdge = true AND (${condition})`;
    const rows = await this.call<Array<{ n: number }>>(
      'POST',
      'count devices',
      async () => {
        const r = await this.registry.createQuery(sql).next();
        return { responseBody: r.result as Array<{ n: number }> };
      },
      true,
    );
    return rows[0]?.n ?? 0;
  }
  async applyOnDevice(deviceId: string, modulesContent: ModulesContent): Promise<void> {
    await this.call(
      'POST',
      `set modules on ${deviceId}`,
      () => this.registry.applyConfigurationContentOnDevice(deviceId, { modulesContent } as never) as never,
    );
  }
  async agent(deviceId: string): Promise<{ desired: Record<string, unknown>; report: AgentReport }> {
    const twin = await this.call<{
      properties: { desired: Record<string, unknown>; reported: Record<string, unknown> };
    }>(
      'GET',
      `read the edge agent of ${deviceId}`,
      () => this.registry.getModuleTwin(deviceId, '$edgeAgent') as never,
    );
    const r = twin.properties.reported;
    return {
      desired: twin.properties.desired,
      report: {
        desiredVersion: twin.properties.desired.$version as number,
        lastDesiredVersion: r.lastDesiredVersion as number | undefined,
        lastDesiredStatus: r.lastDesiredStatus as AgentReport['lastDesiredStatus'],
        modules: (r.modules ?? {}) as AgentReport['modules'],
      },
    };
  }
}

/** The sandbox publishes where its hubs really listen; public hubs resolve by name. */
function addressFor(ctx: TargetContext<EdgeConfig>, hostName: string): HubAddress | undefined {
  for (const h of Object.values(ctx.cloud.sandbox?.iotHubs ?? {})) {
    if (h.connectionString.includes(`HostName=${hostName};`))
      return { host: h.host, port: h.port, ...(ctx.cloud.caCert ? { ca: ctx.cloud.caCert } : {}) };
  }
  return undefined;
}

function statusOf(e: unknown): number | undefined {
  return (e as { response?: { statusCode?: number } })?.response?.statusCode;
}

/** The hub's Retry-After, in ms (at most a minute). */
function retryAfterMs(e: unknown): number | undefined {
  const headers = (e as { response?: { headers?: Record<string, string | undefined> } })?.response?.headers;
  const after = parseRetryAfter(headers?.['retry-after']);
  return after === undefined ? undefined : Math.min(after, 60_000);
}

function hubFailure(e: unknown, what: string): EdgeError {
  const err = e as {
    name?: string;
    message?: string;
    responseBody?: string;
  };
  const status = statusOf(e);
  let detail = err.message ?? String(e);
  try {
    const body = JSON.parse(err.responseBody ?? '') as { Message?: string };
    if (body.Message) detail = body.Message.replace(/^ErrorCode:/, '');
  } catch {}
  if (status === 401 || err.name === 'UnauthorizedError')
    return new EdgeError(
      'EDGE_UNAUTHORIZED',
      `IoT Hub refused to ${what}: ${detail}`,
      'Check the connection string secret: the policy key may have been regenerated, or the policy lacks registry write rights.',
    );
  if (status === 404 || /NotFound/.test(err.name ?? ''))
    return new EdgeError(
      'EDGE_NOT_FOUND',
      `IoT Hub could not ${what}: ${detail}`,
      'Check the device id or deployment id.',
    );
  if (status === 400 || err.name === 'ArgumentError')
    return new EdgeError('EDGE_REJECTED', `IoT Hub rejected the request to ${what}: ${detail}`);
  if (status === 429 || (status ?? 0) >= 500 || !status)
    return new EdgeError(
      'EDGE_HUB_UNAVAILABLE',
      `IoT Hub did not ${what}: ${detail}`,
      'IoT Hub is busy or unreachable; retry the deploy, nothing was half-applied.',
    );
  return new EdgeError('EDGE_HUB_ERROR', `IoT Hub could not ${what} (${status}): ${detail}`);
}
