import { randomBytes } from 'node:crypto';
import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { Plan, TargetContext, TargetPlugin, TargetStatus } from '@dove/deploy-core';
import { aciClient, type ClientTuning } from './client.ts';
import { desiredGroup, groupName, restorable, secureValues, TAG } from './definition.ts';
import { diffGroups } from './diff.ts';
import { endpointOf } from './endpoint.ts';
import { AciTargetError, explainAzureError } from './errors.ts';
import { type AciConfig, aciConfigSchema } from './schema.ts';
import { diagnostics, routes, smoke, waitServing } from './verify.ts';

/** What `apply` sends (private to the plugin; holds secure values, never printed). */
export interface AciDesired {
  name: string;
  group: ContainerGroup;
  keys?: string[];
}
/** What served before: the live definition, without its secure values (Azure never returns them). */
export interface AciPrevious {
  group: ContainerGroup;
}

export interface AciOptions {
  /** How often instance state and LROs are polled (default 2000 ms). */
  pollIntervalMs?: number;
  /** SDK retry tuning for 429/5xx. */
  retry?: ClientTuning;
}

type Ctx = TargetContext<AciConfig>;

/** The group is absent (not its resource group: that is a setting to fix). */
const isNotFound = (err: unknown) => {
  const e = err as { statusCode?: number; code?: string };
  return e?.statusCode === 404 && e.code !== 'ResourceGroupNotFound';
};

function scoringKeys(ctx: Ctx): string[] | undefined {
  const a = ctx.config.auth;
  if (!a.enabled) return undefined;
  const gen = () => randomBytes(24).toString('base64url');
  return [ctx.secret(a.primaryKey ?? gen()), ctx.secret(a.secondaryKey ?? gen())];
}

/** Azure Container Instances: the scoring image as one container group with a public (or VNet) endpoint. */
export function aci(options: AciOptions = {}): TargetPlugin<AciConfig, AciDesired, AciPrevious> {
  const pollMs = options.pollIntervalMs ?? 2000;
  const lro = { updateIntervalInMs: pollMs };
  const client = (ctx: Ctx) => aciClient(ctx, options.retry);

  async function readLive(ctx: Ctx, name: string): Promise<ContainerGroup | undefined> {
    try {
      return await client(ctx).containerGroups.get(ctx.config.resourceGroup, name);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw explainAzureError(err, `reading container group ${name}`);
    }
  }

  async function put(ctx: Ctx, name: string, group: ContainerGroup, replaceFirst: boolean) {
    const c = client(ctx);
    const rg = ctx.config.resourceGroup;
    try {
      if (replaceFirst) {
        ctx.progress(`deleting ${name} (its changes need a new group)`);
        await c.containerGroups.beginDeleteAndWait(rg, name, lro);
      }
      ctx.progress(`${replaceFirst ? 'creating' : 'writing'} container group ${name}`);
      return await c.containerGroups.beginCreateOrUpdateAndWait(rg, name, group, lro);
    } catch (err) {
      throw explainAzureError(err, `deploying container group ${name}`);
    }
  }

  return {
    name: 'dove:aci',
    kind: 'aci',
    description:
      'Azure Container Instances: one container group with a public or VNet endpoint, for dev/test.',
    configSchema: aciConfigSchema as unknown as TargetPlugin<AciConfig>['configSchema'],

    async plan(ctx) {
      const name = groupName(ctx);
      const keys = scoringKeys(ctx);
      const group = desiredGroup(ctx, keys);
      const desired: AciDesired = { name, group, ...(keys ? { keys } : {}) };
      const where = `${ctx.config.resourceGroup}/${name} in ${group.location}`;
      const live = await readLive(ctx, name);
      if (!live)
        return {
          action: 'create',
          summary: `create container group ${where}`,
          changes: [{ path: `containerGroups/${name}`, kind: 'add', after: { image: ctx.scoring.image } }],
          warnings: [],
          desired,
        };
      if (live.tags?.[TAG.managed] !== 'true')
        throw new AciTargetError(
          'ACI_INVALID_SETTINGS',
          `A container group ${where} exists and was not deployed by Dove (no ${TAG.managed} tag).`,
          `Set targets.${ctx.environment}.name to another name, or delete that group yourself.`,
        );
      const previous: AciPrevious = { group: live };
      if (
        live.tags?.[TAG.specHash] === ctx.specHash &&
        live.tags?.[TAG.version] === ctx.model.version &&
        live.provisioningState === 'Succeeded'
      )
        return {
          action: 'noop',
          summary: `container group ${where} is up to date`,
          changes: [],
          warnings: [],
          desired,
          previous,
        };
      const changes = diffGroups(live, group);
      if (live.tags?.[TAG.version] !== ctx.model.version)
        changes.unshift({
          path: 'model.version',
          kind: 'change',
          before: live.tags?.[TAG.version],
          after: ctx.model.version,
        });
      // ACI cannot update a group whose provisioning failed: it must be created again.
      if (live.provisioningState === 'Failed')
        changes.push({
          path: 'provisioningState',
          kind: 'change',
          before: 'Failed',
          after: 'Succeeded',
          replace: true,
        });
      const replace = changes.some((c) => c.replace);
      const warnings = replace
        ? [
            `ACI cannot change ${changes
              .filter((c) => c.replace)
              .map((c) => c.path)
              .join(
                ', ',
              )} in place: the group is deleted and created again (the endpoint is down meanwhile; its IP may change).`,
          ]
        : [];
      if (live.provisioningState !== 'Succeeded')
        warnings.push(`the live group is ${live.provisioningState}`);
      return {
        action: replace ? 'replace' : 'update',
        summary: `${replace ? 'replace' : 'update'} container group ${where} (${changes.length} change${changes.length === 1 ? '' : 's'})`,
        changes,
        warnings,
        desired,
        previous,
      };
    },

    async apply(ctx, plan) {
      const { name, group, keys } = plan.desired;
      const result =
        plan.action === 'noop'
          ? ((await readLive(ctx, name)) as ContainerGroup)
          : await put(ctx, name, group, plan.action === 'replace');
      const endpoint = endpointOf(result, routes(ctx), keys);
      return {
        ...(endpoint ? { endpoint } : {}),
        ...(result.id ? { resourceId: result.id } : {}),
        details: {
          name,
          ip: result.ipAddress?.ip,
          fqdn: result.ipAddress?.fqdn,
          provisioningState: result.provisioningState,
        },
      };
    },

    async verify(ctx, _applied, plan) {
      const c = client(ctx);
      const { name, keys } = plan.desired;
      const group = await waitServing(ctx, c, name, { pollMs });
      const endpoint = endpointOf(group, routes(ctx), keys);
      if (!endpoint) return { details: { name, note: 'no IP address: not smoke-tested' } };
      const result = await smoke(ctx, endpoint.scoringUri, keys?.[0]);
      if (!result.ok)
        throw new AciTargetError(
          'ACI_SMOKE_FAILED',
          `The sample request to ${endpoint.scoringUri} failed: ${result.message}${result.body ? ` (body: ${result.body})` : ''}.${await diagnostics(c, ctx.config.resourceGroup, name, ctx.config.logs.tail)}`,
          'Check scoring.sample in dove.yaml against the model, and the log lines above.',
        );
      return { endpoint, smoke: result, details: { name } };
    },

    async rollback(ctx, plan) {
      const { name, keys } = plan.desired;
      const c = client(ctx);
      const rg = ctx.config.resourceGroup;
      if (!plan.previous) {
        ctx.log('warn', `first deploy of ${name} failed: deleting it; nothing serves this environment now`);
        try {
          await c.containerGroups.beginDeleteAndWait(rg, name, lro);
        } catch (err) {
          if (!isNotFound(err)) throw explainAzureError(err, `deleting the failed group ${name}`);
        }
        return;
      }
      // The previous definition reads its own model version: it needs a SAS for that version
      // (a SAS is scoped to one version), not the one issued for the version being rolled back.
      let restoreCtx = ctx;
      const previousUri = plan.previous.group.containers[0]?.environmentVariables?.find(
        (e) => e.name === 'DOVE_MODEL_URI',
      )?.value;
      const delivery = ctx.modelDelivery;
      if (previousUri && delivery && previousUri !== delivery.uri)
        restoreCtx = { ...ctx, modelDelivery: await delivery.reissue?.(previousUri, ctx.signal) };
      const group = restorable(plan.previous.group, secureValues(restoreCtx, keys));
      ctx.progress(`restoring the previous definition of ${name}`);
      const live = await readLive(ctx, name);
      const replace = !live || diffGroups(live, group).some((ch) => ch.replace);
      await put(ctx, name, group, replace && !!live);
      await waitServing(ctx, c, name, { pollMs });
    },

    async status(ctx): Promise<TargetStatus> {
      const name = groupName(ctx);
      const base = { environment: ctx.environment, kind: 'aci' as const };
      const live = await readLive(ctx, name);
      if (!live) return { ...base, state: 'absent', message: `no container group ${name}` };
      const running = live.instanceView?.state === 'Running';
      const ps = live.provisioningState;
      const state: TargetStatus['state'] =
        ps === 'Failed'
          ? 'failed'
          : ps !== 'Succeeded'
            ? 'provisioning'
            : running && (live.containers[0]?.instanceView?.restartCount ?? 0) === 0
              ? 'serving'
              : 'degraded';
      const keys = ctx.config.auth.enabled
        ? ([ctx.config.auth.primaryKey, ctx.config.auth.secondaryKey]
            .filter(Boolean)
            .map((k) => ctx.secret(k as string)) as string[])
        : undefined;
      const endpoint = endpointOf(live, routes(ctx), keys);
      const version = live.tags?.[TAG.version];
      const specHash = live.tags?.[TAG.specHash];
      return {
        ...base,
        state,
        ...(version ? { version } : {}),
        ...(specHash ? { specHash } : {}),
        ...(endpoint ? { endpoint } : {}),
        message: `${name}: provisioning ${ps}, instance ${live.instanceView?.state ?? 'unknown'}`,
        details: {
          name,
          ip: live.ipAddress?.ip,
          fqdn: live.ipAddress?.fqdn,
          restartCount: live.containers[0]?.instanceView?.restartCount,
          ...(ctx.config.auth.enabled && !ctx.config.auth.primaryKey
            ? {
                keys: 'generated at deploy and not stored: set auth.primaryKey/secondaryKey from secret variables to read them here',
              }
            : {}),
        },
      };
    },

    async destroy(ctx) {
      const name = groupName(ctx);
      const live = await readLive(ctx, name);
      if (!live) return { removed: [] };
      if (live.tags?.[TAG.managed] !== 'true')
        throw new AciTargetError(
          'ACI_INVALID_SETTINGS',
          `Container group ${name} was not deployed by Dove; not deleting it.`,
        );
      try {
        await client(ctx).containerGroups.beginDeleteAndWait(ctx.config.resourceGroup, name, lro);
      } catch (err) {
        if (!isNotFound(err)) throw explainAzureError(err, `deleting ${name}`);
      }
      return { removed: [live.id ?? name] };
    },

    async logs(ctx, { tail }) {
      const name = groupName(ctx);
      try {
        const res = await client(ctx).containers.listLogs(ctx.config.resourceGroup, name, 'scorer', {
          tail: tail ?? ctx.config.logs.tail,
        });
        return res.content ?? '';
      } catch (err) {
        if (isNotFound(err))
          throw new AciTargetError('ACI_NOT_FOUND', `No container group ${name}: nothing to read logs from.`);
        throw explainAzureError(err, `reading logs of ${name}`);
      }
    },
  } satisfies TargetPlugin<AciConfig, AciDesired, AciPrevious>;
}

export type AciPlan = Plan<AciDesired, AciPrevious>;
