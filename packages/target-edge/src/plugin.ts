import type { Change, Plan, TargetContext, TargetPlugin, TargetStatus } from '@dove/deploy-core';
import { EdgeError } from './errors.ts';
import { Hub, type HubConfiguration } from './hub.ts';
import { buildManifest, type ModulesContent, redact, withoutSas } from './manifest.ts';
import { configurationId, LABEL } from './names.ts';
import { countsOf, describeCounts, sleep, watchFallback, watchRollout } from './rollout.ts';
import { type EdgeConfig, edgeConfigSchema } from './schema.ts';
import { validateManifest } from './validate.ts';

export interface EdgeDesired {
  mode: 'fleet' | 'device';
  /** Deployment id (fleet) or device id. */
  id: string;
  content: ModulesContent;
  priority?: number;
  targetCondition?: string;
  labels?: Record<string, string>;
  metrics?: Record<string, string>;
}

export interface EdgePrevious {
  /** Fleet: the Dove deployment that served before (stays as the fallback). */
  id?: string;
  /** Fleet: how many devices reported success on it when the plan was made. */
  succeeded?: number;
  /** Device: the modules content that was set on it. */
  content?: ModulesContent;
}

type Ctx = TargetContext<EdgeConfig>;

function manifestFor(ctx: Ctx): ModulesContent {
  const content = buildManifest(ctx);
  const problems = validateManifest(content, { layered: !!ctx.config.fleet?.layered });
  if (problems.length)
    throw new EdgeError(
      'EDGE_BAD_MANIFEST',
      `The deployment manifest for ${ctx.environment} is invalid:\n- ${problems.join('\n- ')}`,
      `Fix targets.${ctx.environment} in the spec (module, routes, createOptions).`,
    );
  return content;
}

const doveConfigs = (all: HubConfiguration[], environment: string) =>
  all
    .filter((c) => c.labels?.[LABEL.managed] === 'true' && c.labels?.[LABEL.environment] === environment)
    .sort((a, b) => b.priority - a.priority);

/** Paths that differ between two JSON values (for the plan). */
function diff(before: unknown, after: unknown, path: string, out: Change[]): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(before) && isObj(after)) {
    const a = before as Record<string, unknown>;
    const b = after as Record<string, unknown>;
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      diff(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  out.push({
    path,
    kind: before === undefined ? 'add' : after === undefined ? 'remove' : 'change',
    before,
    after,
  });
}

async function planFleet(ctx: Ctx, hub: Hub): Promise<Plan<EdgeDesired, EdgePrevious>> {
  const fleet = ctx.config.fleet as NonNullable<EdgeConfig['fleet']>;
  const content = manifestFor(ctx);
  const ours = doveConfigs(await hub.listConfigurations(), ctx.environment);
  let id = configurationId(ctx.model.name, ctx.environment, ctx.model.version);
  const same = ours.find((c) => c.id === id);
  const unchanged =
    same &&
    JSON.stringify(withoutSas(same.content.modulesContent)) === JSON.stringify(withoutSas(content)) &&
    same.targetCondition === fleet.targetCondition;
  // IoT Hub never changes a deployment's content: a changed spec for the same version gets its own id.
  if (same && !unchanged) id = `${id}-${ctx.specHash.slice(0, 8).toLowerCase()}`.slice(0, 128);
  const previous = ours.find((c) => c.id !== id);
  const priority = Math.max(fleet.priority, ...ours.filter((c) => c.id !== id).map((c) => c.priority + 1));
  const reach = await hub.count(fleet.targetCondition);
  const changes: Change[] = [];
  if (!unchanged) {
    diff(
      previous ? redact(previous.content.modulesContent) : undefined,
      redact(content),
      'modulesContent',
      changes,
    );
    changes.push({
      path: `deployment/${id}`,
      kind: 'add',
      after: { priority, targetCondition: fleet.targetCondition },
    });
  }
  const warnings: string[] = [];
  if (reach === 0)
    warnings.push(`targetCondition '${fleet.targetCondition}' matches no IoT Edge device now.`);
  const labels = {
    [LABEL.managed]: 'true',
    [LABEL.environment]: ctx.environment,
    [LABEL.model]: ctx.model.name,
    [LABEL.version]: ctx.model.version,
    [LABEL.specHash]: ctx.specHash.slice(0, 60),
  };
  return {
    action: unchanged ? 'noop' : 'create',
    summary: unchanged
      ? `deployment ${id} is live (priority ${same?.priority}); ${reach} devices match`
      : `create ${fleet.layered ? 'layered ' : ''}deployment ${id} (priority ${priority}) reaching ${reach} devices now${previous ? `; ${previous.id} stays as fallback` : ''}`,
    changes,
    warnings,
    desired: {
      mode: 'fleet',
      id,
      content,
      priority,
      targetCondition: fleet.targetCondition,
      labels,
      metrics: ctx.config.metrics,
    },
    ...(previous ? { previous: { id: previous.id, succeeded: countsOf(previous).succeeded } } : {}),
  };
}

async function planDevice(ctx: Ctx, hub: Hub): Promise<Plan<EdgeDesired, EdgePrevious>> {
  const deviceId = ctx.config.device as string;
  const content = manifestFor(ctx);
  const { desired } = await hub.agent(deviceId);
  const live = (desired.modules ?? {}) as Record<string, unknown>;
  const agentDesired = content.$edgeAgent?.['properties.desired'] as { modules: Record<string, unknown> };
  const wanted = agentDesired.modules;
  const changes: Change[] = [];
  // Compared without secrets: the SAS never shows in the plan, and a fresh one alone changes nothing.
  diff(
    redact(live[ctx.config.module]),
    redact(wanted[ctx.config.module]),
    `modules.${ctx.config.module}`,
    changes,
  );
  const { $version: _v, $metadata: _m, ...liveDesired } = desired;
  const hadModules = Object.keys(live).length > 0;
  return {
    action: changes.length === 0 ? 'noop' : live[ctx.config.module] ? 'update' : 'create',
    summary: `${changes.length === 0 ? 'module is up to date' : 'set modules'} on device ${deviceId}`,
    changes,
    warnings: [],
    desired: { mode: 'device', id: deviceId, content },
    ...(hadModules
      ? {
          previous: {
            content: {
              $edgeAgent: { 'properties.desired': liveDesired },
              $edgeHub: content.$edgeHub as Record<string, unknown>,
            },
          },
        }
      : {}),
  };
}

/** Waits until one device's edge agent reports the current content with the module running. */
async function watchDevice(ctx: Ctx, hub: Hub, deviceId: string, module: string | undefined) {
  const deadline = Date.now() + ctx.config.deadlineSeconds * 1000;
  for (;;) {
    const { report } = await hub.agent(deviceId);
    const current = report.lastDesiredVersion === report.desiredVersion;
    const status = module ? report.modules[module] : undefined;
    if (current && report.lastDesiredStatus?.code === 200 && (!module || status?.runtimeStatus === 'running'))
      return report;
    if (current && report.lastDesiredStatus && report.lastDesiredStatus.code !== 200)
      throw new EdgeError(
        'EDGE_DEVICE_FAILED',
        `Device ${deviceId} could not apply the deployment (${report.lastDesiredStatus.code}: ${report.lastDesiredStatus.description ?? ''})${status?.statusDescription ? `; ${module}: ${status.statusDescription}` : ''}.`,
        'Check the image name, registry credentials and createOptions; the device keeps running what it had.',
      );
    if (Date.now() >= deadline)
      throw new EdgeError(
        'EDGE_DEADLINE',
        `Device ${deviceId} did not report the new deployment within ${ctx.config.deadlineSeconds} s.`,
        'The device may be offline; it will apply the deployment when it reconnects.',
      );
    ctx.progress(`waiting for ${deviceId} to report`);
    await sleep(ctx.config.pollSeconds * 1000, ctx.signal);
  }
}

/** The IoT Edge target: the model as a module on one device or a fleet (automatic or layered deployment). */
export function edge(): TargetPlugin<EdgeConfig, EdgeDesired, EdgePrevious> {
  return {
    name: 'dove:edge',
    kind: 'edge',
    description: 'Azure IoT Edge: the scoring module on one device or a fleet through IoT Hub deployments',
    configSchema: edgeConfigSchema as never,

    plan: (ctx) => (ctx.config.fleet ? planFleet(ctx, new Hub(ctx)) : planDevice(ctx, new Hub(ctx))),

    async apply(ctx, plan) {
      const hub = new Hub(ctx);
      const d = plan.desired;
      if (plan.action === 'noop') return { resourceId: d.id };
      if (d.mode === 'device') {
        await hub.applyOnDevice(d.id, d.content);
        ctx.progress(`modules set on ${d.id}`);
        return { resourceId: d.id, details: { device: d.id } };
      }
      await hub.addConfiguration({
        id: d.id,
        labels: d.labels ?? {},
        targetCondition: d.targetCondition as string,
        priority: d.priority as number,
        content: { modulesContent: d.content },
        metrics: { queries: d.metrics ?? {} },
      });
      ctx.progress(`deployment ${d.id} created (priority ${d.priority})`);
      return { resourceId: d.id, details: { deployment: d.id, priority: d.priority } };
    },

    async verify(ctx, _applied, plan) {
      const hub = new Hub(ctx);
      const d = plan.desired;
      if (d.mode === 'device') {
        const report = await watchDevice(ctx, hub, d.id, ctx.config.module);
        return { details: { device: d.id, modules: report.modules } };
      }
      const counts = await watchRollout(ctx, hub, d.id);
      return { details: { deployment: d.id, ...counts } };
    },

    async rollback(ctx, plan) {
      const hub = new Hub(ctx);
      const d = plan.desired;
      if (d.mode === 'device') {
        if (!plan.previous?.content) return;
        await hub.applyOnDevice(d.id, plan.previous.content);
        await watchDevice(ctx, hub, d.id, undefined);
        return;
      }
      if (plan.action !== 'noop' && (await hub.getConfiguration(d.id))) await hub.removeConfiguration(d.id);
      ctx.progress(`deployment ${d.id} removed; devices fall back`);
      if (plan.previous?.id) await watchFallback(ctx, hub, plan.previous.id, plan.previous.succeeded ?? 0);
    },

    async status(ctx): Promise<TargetStatus> {
      const hub = new Hub(ctx);
      const base = { environment: ctx.environment, kind: 'edge' as const };
      if (ctx.config.device) {
        const { desired, report } = await hub.agent(ctx.config.device);
        const m = report.modules[ctx.config.module];
        // The module's desired `version` is the model version Dove deployed to the device.
        const version = (desired.modules as Record<string, { version?: unknown }> | undefined)?.[
          ctx.config.module
        ]?.version;
        if (!m)
          return {
            ...base,
            state: 'absent',
            message: `module ${ctx.config.module} is not on ${ctx.config.device}`,
          };
        return {
          ...base,
          state:
            m.runtimeStatus === 'running'
              ? 'serving'
              : report.lastDesiredVersion !== report.desiredVersion
                ? 'provisioning'
                : 'failed',
          ...(typeof version === 'string' ? { version } : {}),
          message: `${ctx.config.module} on ${ctx.config.device}: ${m.runtimeStatus}`,
          details: { modules: report.modules },
        };
      }
      const ours = doveConfigs(await hub.listConfigurations(), ctx.environment);
      const top = ours[0];
      if (!top) return { ...base, state: 'absent', message: 'no Dove deployment for this environment' };
      const c = countsOf(top);
      const threshold = ctx.config.successThreshold;
      const state =
        c.applied > 0 && c.succeeded * 100 >= threshold * c.applied
          ? 'serving'
          : c.failed * 100 > (100 - threshold) * c.applied
            ? 'degraded'
            : 'provisioning';
      return {
        ...base,
        state,
        ...(top.labels?.[LABEL.version] ? { version: top.labels[LABEL.version] } : {}),
        message: `${top.id} (priority ${top.priority}): ${describeCounts(c)}`,
        details: { deployments: ours.map((o) => ({ id: o.id, priority: o.priority })), ...c },
      };
    },

    async destroy(ctx) {
      const hub = new Hub(ctx);
      if (ctx.config.device) {
        const { desired } = await hub.agent(ctx.config.device);
        const {
          $version: _v,
          $metadata: _m,
          ...rest
        } = desired as Record<string, unknown> & { modules?: Record<string, unknown> };
        if (!rest.modules?.[ctx.config.module]) return { removed: [] };
        const modules = { ...rest.modules };
        delete modules[ctx.config.module];
        await hub.applyOnDevice(ctx.config.device, {
          $edgeAgent: { 'properties.desired': { ...rest, modules } },
          $edgeHub: {
            'properties.desired': {
              schemaVersion: '1.1',
              routes: {},
              storeAndForwardConfiguration: { timeToLiveSecs: ctx.config.storeAndForwardSeconds },
            },
          },
        });
        return { removed: [`${ctx.config.device}/${ctx.config.module}`] };
      }
      const ours = doveConfigs(await hub.listConfigurations(), ctx.environment);
      for (const c of ours) await hub.removeConfiguration(c.id);
      return { removed: ours.map((c) => `deployment/${c.id}`) };
    },

    async logs(ctx) {
      // IoT Hub's service API has no container logs; module logs need a direct method on the device.
      const lines = [
        'Module logs are not available through the IoT Hub service API (use the GetModuleLogs direct method or the device itself).',
      ];
      if (ctx.config.device) {
        const { report } = await new Hub(ctx).agent(ctx.config.device);
        for (const [name, m] of Object.entries(report.modules))
          lines.push(
            `${name}: ${m.runtimeStatus ?? 'unknown'}${m.statusDescription ? ` (${m.statusDescription})` : ''}`,
          );
      } else lines.push((await this.status(ctx)).message ?? '');
      return lines.join('\n');
    },
  };
}
