import type { TargetContext } from '@dove/deploy-core';
import type { EdgeConfig } from './schema.ts';

/** Env var of the model store SAS (short-lived, read-only, scoped to the model version). */
export const MODEL_SAS_VAR = 'DOVE_MODEL_SAS';

export type ModulesContent = Record<string, Record<string, unknown>>;

const AGENT_IMAGE = 'mcr.microsoft.com/azureiotedge-agent:1.4';
const HUB_IMAGE = 'mcr.microsoft.com/azureiotedge-hub:1.4';
/** IoT Edge reads createOptions in 512-character chunks: createOptions, createOptions01...07. */
export const CREATE_OPTIONS_CHUNK = 512;
export const CREATE_OPTIONS_CHUNKS = 8;

/** Docker create options of the model module (port bindings, GPU runtime, volumes). */
export function createOptions(ctx: TargetContext<EdgeConfig>): Record<string, unknown> {
  const c = ctx.config.createOptions;
  const port = `${ctx.scoring.port}/tcp`;
  const hostPorts = c.ports ?? [ctx.scoring.port];
  const hostConfig: Record<string, unknown> = {
    PortBindings: { [port]: hostPorts.map((p) => ({ HostPort: String(p) })) },
  };
  if (c.gpu) hostConfig.Runtime = 'nvidia';
  if (c.volumes.length)
    hostConfig.Binds = c.volumes.map((v) => `${v.host}:${v.container}${v.readOnly ? ':ro' : ''}`);
  return { ExposedPorts: { [port]: {} }, HostConfig: hostConfig, ...c.extra };
}

/** Splits the stringified options into the chunks IoT Edge accepts. */
export function chunkCreateOptions(options: Record<string, unknown>): Record<string, string> {
  const text = JSON.stringify(options);
  const out: Record<string, string> = {};
  for (let i = 0; i * CREATE_OPTIONS_CHUNK < text.length; i++)
    out[i === 0 ? 'createOptions' : `createOptions${String(i).padStart(2, '0')}`] = text.slice(
      i * CREATE_OPTIONS_CHUNK,
      (i + 1) * CREATE_OPTIONS_CHUNK,
    );
  return out;
}

export function defaultRoutes(module: string): Record<string, string> {
  return {
    [`${module.replace(/[^A-Za-z0-9]/g, '')}ToUpstream`]: `FROM /messages/modules/${module}/outputs/* INTO $upstream`,
  };
}

/** The deployment manifest: `$edgeAgent` (runtime, system modules, the model module), `$edgeHub`, the module twin. */
export function buildManifest(ctx: TargetContext<EdgeConfig>): ModulesContent {
  const c = ctx.config;
  const env: Record<string, { value: string }> = {};
  for (const [k, v] of Object.entries({ ...ctx.scoring.env, ...c.env })) env[k] = { value: v };
  env.DOVE_MODEL_NAME = { value: ctx.model.name };
  env.DOVE_MODEL_VERSION = { value: ctx.model.version };
  const delivery = ctx.modelDelivery;
  if (delivery) env.DOVE_MODEL_URI = { value: delivery.uri };
  // IoT Edge has no secret store: the SAS travels in the module's env (masked in logs and plans).
  if (delivery?.sasToken) env[MODEL_SAS_VAR] = { value: ctx.secret(delivery.sasToken) };
  const module = {
    version: ctx.model.version,
    type: 'docker',
    status: 'running',
    restartPolicy: c.restartPolicy,
    settings: { image: c.image ?? ctx.scoring.image, ...chunkCreateOptions(createOptions(ctx)) },
    env,
  };
  const registryCredentials = c.registry
    ? { dove: { address: c.registry.address, username: c.registry.username, password: c.registry.password } }
    : undefined;
  const runtime = {
    type: 'docker',
    settings: { minDockerVersion: 'v1.25', ...(registryCredentials ? { registryCredentials } : {}) },
  };
  const routes = c.routes ?? defaultRoutes(c.module);
  if (c.fleet?.layered) {
    // A layer adds the module, its routes and twin on top of the devices' base deployment.
    const content: ModulesContent = {
      $edgeAgent: { [`properties.desired.modules.${c.module}`]: module },
      $edgeHub: Object.fromEntries(
        Object.entries(routes).map(([k, v]) => [`properties.desired.routes.${k}`, v]),
      ),
    };
    if (registryCredentials)
      content.$edgeAgent[`properties.desired.runtime.settings.registryCredentials.dove`] =
        registryCredentials.dove;
    if (Object.keys(c.desiredProperties).length)
      content[c.module] = { 'properties.desired': c.desiredProperties };
    return content;
  }
  const content: ModulesContent = {
    $edgeAgent: {
      'properties.desired': {
        schemaVersion: '1.1',
        runtime,
        systemModules: {
          edgeAgent: { type: 'docker', settings: { image: AGENT_IMAGE, createOptions: '{}' } },
          edgeHub: {
            type: 'docker',
            status: 'running',
            restartPolicy: 'always',
            settings: {
              image: HUB_IMAGE,
              createOptions: JSON.stringify({
                HostConfig: {
                  PortBindings: {
                    '5671/tcp': [{ HostPort: '5671' }],
                    '8883/tcp': [{ HostPort: '8883' }],
                    '443/tcp': [{ HostPort: '443' }],
                  },
                },
              }),
            },
          },
        },
        modules: { [c.module]: module },
      },
    },
    $edgeHub: {
      'properties.desired': {
        schemaVersion: '1.1',
        routes,
        storeAndForwardConfiguration: { timeToLiveSecs: c.storeAndForwardSeconds },
      },
    },
  };
  if (Object.keys(c.desiredProperties).length)
    content[c.module] = { 'properties.desired': c.desiredProperties };
  return content;
}

const maskSas = (v: unknown) =>
  v !== null && typeof v === 'object' && 'value' in v ? { ...v, value: '***' } : '***';

/** The manifest with registry passwords and the model SAS replaced, for plans, diffs and logs. */
export function redact<T>(content: T): T {
  if (content === undefined) return content;
  return JSON.parse(JSON.stringify(content), (k, v) =>
    k === 'password' && typeof v === 'string' ? '***' : k === MODEL_SAS_VAR ? maskSas(v) : v,
  );
}

/**
 * The manifest with only the model SAS replaced: what decides whether anything changed. A fresh
 * token for the same model (same `DOVE_MODEL_URI`) is no reason to redeploy.
 */
export function withoutSas<T>(content: T): T {
  if (content === undefined) return content;
  return JSON.parse(JSON.stringify(content), (k, v) => (k === MODEL_SAS_VAR ? maskSas(v) : v));
}
