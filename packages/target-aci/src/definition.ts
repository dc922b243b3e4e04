import type { ContainerGroup, EnvironmentVariable } from '@azure/arm-containerinstance';
import type { TargetContext } from '@dove/deploy-core';
import { deriveDnsLabel, deriveGroupName } from './names.ts';
import type { AciConfig } from './schema.ts';

/** Tags by which Dove recognises its own deployments. */
export const TAG = {
  managed: 'dove-managed',
  environment: 'dove-environment',
  specHash: 'dove-spec-hash',
  version: 'dove-model-version',
} as const;

/** Name of the secure variable the scoring server reads its keys from (comma-separated). */
export const KEYS_VAR = 'SCORING_KEYS';

export const CONTAINER = 'scorer';

export function groupName(ctx: TargetContext<AciConfig>): string {
  return ctx.config.name ?? deriveGroupName(ctx.model.name, ctx.environment);
}

export function dnsLabel(ctx: TargetContext<AciConfig>): string | undefined {
  if (ctx.config.subnet) return undefined;
  return (
    ctx.config.dnsNameLabel ??
    deriveDnsLabel(groupName(ctx), ctx.config.subscription, ctx.config.resourceGroup)
  );
}

export function ports(ctx: TargetContext<AciConfig>): number[] {
  return ctx.config.ports ?? [ctx.scoring.port];
}

/** The secure values this deploy sends (from the spec; Azure never gives them back). */
export function secureValues(
  ctx: TargetContext<AciConfig>,
  keys: string[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = { ...ctx.config.secureEnv };
  if (ctx.modelDelivery?.sasToken) out.DOVE_MODEL_SAS = ctx.modelDelivery.sasToken;
  if (keys?.length) out[KEYS_VAR] = keys.join(',');
  for (const v of Object.values(out)) ctx.secret(v);
  return out;
}

/** The container group Dove wants for this environment. */
export function desiredGroup(ctx: TargetContext<AciConfig>, keys: string[] | undefined): ContainerGroup {
  const c = ctx.config;
  const plain: Record<string, string> = { ...ctx.scoring.env, ...c.env, PORT: String(ctx.scoring.port) };
  if (ctx.modelDelivery) plain.DOVE_MODEL_URI = ctx.modelDelivery.uri;
  const env: EnvironmentVariable[] = [
    ...Object.entries(plain).map(([name, value]) => ({ name, value })),
    ...Object.entries(secureValues(ctx, keys)).map(([name, secureValue]) => ({ name, secureValue })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  const label = dnsLabel(ctx);
  const p = ports(ctx);
  const group: ContainerGroup = {
    location: c.location.toLowerCase().replace(/\s+/g, ''),
    tags: {
      ...c.tags,
      [TAG.managed]: 'true',
      [TAG.environment]: ctx.environment,
      [TAG.specHash]: ctx.specHash,
      [TAG.version]: ctx.model.version,
    },
    osType: c.osType,
    restartPolicy: c.restartPolicy,
    containers: [
      {
        name: CONTAINER,
        image: ctx.scoring.image,
        ports: p.map((port) => ({ port, protocol: 'TCP' })),
        environmentVariables: env,
        resources: {
          requests: {
            cpu: c.cpu,
            memoryInGB: c.memoryInGB,
            ...(c.gpu ? { gpu: { count: c.gpu.count, sku: c.gpu.sku } } : {}),
          },
        },
      },
    ],
    ipAddress: {
      type: c.subnet ? 'Private' : 'Public',
      ports: p.map((port) => ({ port, protocol: 'TCP' })),
      ...(label ? { dnsNameLabel: label } : {}),
    },
  };
  if (c.subnet) group.subnetIds = [{ id: c.subnet }];
  if (c.registry)
    group.imageRegistryCredentials = [
      'password' in c.registry
        ? {
            server: c.registry.server,
            username: c.registry.username,
            password: ctx.secret(c.registry.password),
          }
        : { server: c.registry.server, identity: c.registry.identity },
    ];
  const identities = [
    ...(c.identity ?? []),
    ...(c.registry && 'identity' in c.registry ? [c.registry.identity] : []),
  ];
  if (identities.length)
    group.identity = {
      type: 'UserAssigned',
      userAssignedIdentities: Object.fromEntries([...new Set(identities)].map((id) => [id, {}])),
    };
  return group;
}

/**
 * A live group as a definition that can be PUT again: read-only fields dropped, secure values
 * re-supplied from `secure` (Azure never returns them).
 */
export function restorable(live: ContainerGroup, secure: Record<string, string>): ContainerGroup {
  const { id: _i, name: _n, type: _t, provisioningState: _p, instanceView: _v, ...rest } = live;
  const containers = live.containers.map(({ instanceView: _cv, ...c }) => ({
    ...c,
    environmentVariables: c.environmentVariables?.map((e) =>
      e.value === undefined && secure[e.name] !== undefined
        ? { name: e.name, secureValue: secure[e.name] }
        : e,
    ),
  }));
  const ip = live.ipAddress ? { ...live.ipAddress } : undefined;
  if (ip) {
    delete ip.ip;
    delete ip.fqdn;
  }
  return { ...rest, containers, ...(ip ? { ipAddress: ip } : {}) };
}
