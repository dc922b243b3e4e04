import type { TokenCredential } from '@azure/core-auth';
import type { CloudProfile } from './cloud.ts';
import { createCredential } from './clouds.ts';
import type {
  DeployResult,
  ModelDelivery,
  Plan,
  RequestCounter,
  TargetContext,
  TargetPlugin,
  TargetStatus,
  Timings,
} from './contract.ts';
import { DoveError, isDoveError, tagError } from './errors.ts';
import type { DeployEvent, EventSink, Step } from './events.ts';
import { InMemoryLockStore, type LockInfo, type LockStore } from './locks/index.ts';
import type { Registry } from './registry.ts';
import { createRequestCounter } from './requests.ts';
import { loadSpec, resolveTarget, specHash } from './spec/index.ts';
import type { DoveSpec } from './spec/types.ts';

/** Called before `plan` to put the model where the scoring container can read it (see @dove/model-store). */
export type ModelDeliveryHook = (req: {
  spec: DoveSpec;
  model: DoveSpec['model'];
  specHash: string;
  cloud: CloudProfile;
  credential?: TokenCredential;
  environment?: string;
  signal?: AbortSignal;
  progress?: (message: string, percent?: number) => void;
  log?: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
}) => Promise<ModelDelivery | undefined>;

export interface CommonOptions {
  /** the spec, already loaded... */
  spec?: DoveSpec;
  /** ...or the path of dove.yaml */
  specPath?: string;
  variables?: Record<string, string>;
  /** environment name, or a kind held by exactly one environment */
  environment: string;
  registry: Registry;
  cloud: CloudProfile;
  credential?: TokenCredential;
  signal?: AbortSignal;
  onEvent?: EventSink;
  /** every value a target marks secret, so the host can mask it (e.g. `core.setSecret`) */
  onSecret?: (value: string) => void;
  /** model version override (e.g. from the release tag) */
  version?: string;
  modelDelivery?: ModelDeliveryHook;
}

export interface DeployOptions extends CommonOptions {
  dryRun?: boolean;
  lockStore?: LockStore;
  /** who deploys: shown to whoever finds the environment locked */
  owner?: string;
  lockTtlMs?: number;
  /** time allowed for rollback after a failure */
  rollbackDeadlineMs?: number;
}

const defaultLocks = new InMemoryLockStore();

interface Prepared {
  spec: DoveSpec;
  environment: string;
  plugin: TargetPlugin;
  ctx: TargetContext;
  requests: RequestCounter;
  emit: (e: DeployEvent) => void;
  step<T>(step: Step, fn: () => Promise<T>, timings: Timings): Promise<T>;
}

/** Loads and validates the spec, resolves the environment and builds the target context. */
async function prepare(options: CommonOptions, timings: Timings, signal: AbortSignal): Promise<Prepared> {
  const secrets = new Set<string>();
  const mask = (text: string) => {
    let out = text;
    for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
    return out;
  };
  const emit = (e: DeployEvent) => {
    if (!options.onEvent) return;
    if ('message' in e && typeof e.message === 'string')
      options.onEvent({ ...e, message: mask(e.message) } as DeployEvent);
    else options.onEvent(e);
  };
  let current: Step = 'load';
  const step = async <T>(name: Step, fn: () => Promise<T>, t: Timings): Promise<T> => {
    current = name;
    const started = performance.now();
    emit({ type: 'step', step: name, status: 'started', at: Date.now() });
    try {
      const value = await fn();
      t[name] = Math.round(performance.now() - started);
      emit({ type: 'step', step: name, status: 'succeeded', at: Date.now(), elapsedMs: t[name] });
      return value;
    } catch (e) {
      t[name] = Math.round(performance.now() - started);
      emit({
        type: 'step',
        step: name,
        status: 'failed',
        at: Date.now(),
        elapsedMs: t[name],
        message: (e as Error).message,
      });
      throw e;
    }
  };

  // Settings are validated only for the environment being deployed: a spec may name kinds
  // whose plugins this host does not register.
  const spec = await step(
    'load',
    async () => {
      if (options.spec) return options.spec;
      const file = options.specPath ?? 'dove.yaml';
      const loose = await loadSpec({ file, variables: options.variables });
      const { environment } = resolveTarget(loose, options.environment);
      return loadSpec({
        file,
        variables: options.variables,
        registry: options.registry,
        environments: [environment],
      });
    },
    timings,
  );
  const resolved = await step('resolve', async () => resolveTarget(spec, options.environment), timings);
  const plugin = options.registry.get(resolved.kind);
  if (!plugin) {
    throw new DoveError(
      'DOVE_PLUGIN_MISSING',
      `No target plugin for kind "${resolved.kind}" (environment "${resolved.environment}").`,
      {
        hint: `Register it, e.g. createRegistry([${resolved.kind}()]). Registered kinds: ${
          options.registry
            .list()
            .map((p) => p.kind)
            .join(', ') || 'none'
        }.`,
      },
    );
  }
  const parsed = plugin.configSchema.safeParse(resolved.target.settings);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({
      path: ['targets', resolved.environment, ...i.path.map(String)].join('.'),
      message: i.message,
    }));
    throw new DoveError('DOVE_SETTINGS_INVALID', issues.map((i) => `${i.path}: ${i.message}`).join('\n'), {
      issues,
      location: { file: spec.file, path: issues[0]?.path },
      target: plugin.name,
    });
  }
  const version = options.version ?? spec.model.version;
  const resolvedSpec: DoveSpec = { ...spec, model: { ...spec.model, version } };
  const requests = createRequestCounter();
  const credential = options.credential ?? createCredential(options.cloud);
  const ctx: TargetContext = {
    environment: resolved.environment,
    config: parsed.data,
    model: { ...resolvedSpec.model, version },
    scoring: resolvedSpec.scoring,
    spec: resolvedSpec,
    specHash: specHash(resolvedSpec, resolved.environment),
    cloud: options.cloud,
    credential,
    signal,
    requests,
    progress: (message, percent) =>
      emit({
        type: 'progress',
        step: current,
        at: Date.now(),
        message,
        ...(percent === undefined ? {} : { percent }),
      }),
    log: (level, message) => emit({ type: 'log', step: current, at: Date.now(), level, message }),
    secret: (value) => {
      if (value && !secrets.has(value)) {
        secrets.add(value);
        options.onSecret?.(value);
      }
      return value;
    },
  };
  return { spec: resolvedSpec, environment: resolved.environment, plugin, ctx, requests, emit, step };
}

const publicPlan = (plan: Plan) => ({
  action: plan.action,
  summary: plan.summary,
  changes: plan.changes,
  warnings: plan.warnings,
});

function errorSummary(e: unknown, plugin?: TargetPlugin) {
  const err = plugin ? tagError(e, plugin.name) : isDoveError(e) ? e : tagError(e, 'dove');
  return {
    code: String(err.code),
    message: err.message,
    ...(err.hint ? { hint: err.hint } : {}),
    ...(err.target ? { target: err.target } : {}),
  };
}

/**
 * One deploy: load → validate → resolve → lock → plan → (dry run stops) → apply → verify →
 * on failure rollback → unlock → result. Bad input (spec, environment, settings) and a held
 * lock throw a DoveError; what happens to the deployment itself is in the result's `outcome`.
 */
export async function deploy(options: DeployOptions): Promise<DeployResult> {
  const timings: Timings = {};
  const started = performance.now();
  const signal = options.signal ?? new AbortController().signal;
  const p = await prepare(options, timings, signal);
  const { plugin, ctx, step, emit } = p;
  const store = options.lockStore ?? defaultLocks;
  const lock = await step(
    'lock',
    async () => {
      const got = await store.acquire({
        key: p.environment,
        owner: options.owner ?? 'dove',
        reason: `deploy ${ctx.model.name} ${ctx.model.version}`,
        ttlMs: options.lockTtlMs ?? 30 * 60_000,
      });
      if (!got.acquired) {
        throw new DoveError(
          'DOVE_LOCKED',
          `Environment "${p.environment}" is locked by ${got.holder.owner} since ${got.holder.since}${got.holder.reason ? ` (${got.holder.reason})` : ''}.`,
          {
            hint: `Wait for it to finish, or release the lock if it is stale (it expires at ${got.holder.expiresAt}).`,
          },
        );
      }
      return got.lock;
    },
    timings,
  );
  const base = {
    environment: p.environment,
    kind: plugin.kind,
    target: plugin.name,
    version: ctx.model.version,
    specHash: ctx.specHash,
  };
  const finish = (r: Omit<DeployResult, keyof typeof base | 'timings' | 'requests'>): DeployResult => {
    timings.total = Math.round(performance.now() - started);
    return { ...base, ...r, timings, requests: p.requests.snapshot() };
  };
  let plan: Plan | undefined;
  let applying = false;
  try {
    // The model is uploaded (or found unchanged) as part of planning: the plan depends on it.
    plan = await step(
      'plan',
      async () => {
        if (options.modelDelivery) {
          const delivery = await options.modelDelivery({
            spec: p.spec,
            model: ctx.model,
            specHash: ctx.specHash,
            cloud: ctx.cloud,
            credential: ctx.credential,
            environment: p.environment,
            signal,
            progress: ctx.progress,
            log: ctx.log,
          });
          if (delivery) {
            if (delivery.sasToken) ctx.secret(delivery.sasToken);
            ctx.modelDelivery = delivery;
          }
        }
        return plugin.plan(ctx);
      },
      timings,
    );
    if (options.dryRun) {
      for (const s of ['apply', 'verify'] as const)
        emit({ type: 'step', step: s, status: 'skipped', at: Date.now(), message: 'dry run' });
      return finish({ outcome: 'dry-run', plan: publicPlan(plan) });
    }
    if (plan.action === 'noop') {
      for (const s of ['apply', 'verify'] as const)
        emit({ type: 'step', step: s, status: 'skipped', at: Date.now(), message: 'nothing changed' });
      const status = await plugin.status(ctx).catch(() => undefined);
      return finish({
        outcome: 'noop',
        plan: publicPlan(plan),
        ...(status?.endpoint ? { endpoint: status.endpoint } : {}),
      });
    }
    applying = true;
    const thePlan = plan;
    const applied = await step('apply', () => plugin.apply(ctx, thePlan), timings);
    const verified = await step('verify', () => plugin.verify(ctx, applied, thePlan), timings);
    return finish({
      outcome: 'succeeded',
      plan: publicPlan(plan),
      endpoint: verified.endpoint ?? applied.endpoint,
      ...(verified.smoke ? { smoke: verified.smoke } : {}),
      ...(verified.details ? { details: verified.details } : {}),
    });
  } catch (e) {
    const error = errorSummary(e, plugin);
    if (!applying || !plan)
      return finish({
        outcome: 'failed',
        plan: plan ? publicPlan(plan) : { action: 'noop', summary: 'no plan', changes: [], warnings: [] },
        error,
      });
    // Roll back with a signal of its own: a canceled deploy must still restore what served.
    const rollbackSignal = AbortSignal.timeout(options.rollbackDeadlineMs ?? 10 * 60_000);
    const rctx = { ...ctx, signal: rollbackSignal };
    const thePlan = plan;
    let outcome: DeployResult['outcome'] = 'rolled-back';
    try {
      await step('rollback', () => plugin.rollback(rctx, thePlan), timings);
    } catch (re) {
      outcome = 'failed';
      const r = errorSummary(re, plugin);
      error.message += `\nRollback failed too: ${r.message}`;
      error.code = 'DOVE_ROLLBACK_FAILED';
    }
    const servingNow: TargetStatus | undefined = await plugin.status(rctx).catch(() => undefined);
    return finish({
      outcome,
      plan: publicPlan(plan),
      error,
      ...(servingNow ? { servingNow, endpoint: servingNow.endpoint } : {}),
    });
  } finally {
    await step('unlock', () => store.release(lock as LockInfo), timings).catch(() => undefined);
  }
}

export type Operation = 'plan' | 'status' | 'destroy' | 'logs' | 'promote' | 'reject' | 'rollback';

export interface OperationOptions extends CommonOptions {
  op: Operation;
  tail?: number;
  lockStore?: LockStore;
  owner?: string;
}

/**
 * Everything but a deploy, with the same loading, validation and context as `deploy()`.
 * Returns: plan → the plan's public part; status/promote/reject/rollback → TargetStatus;
 * destroy → `{ removed }`; logs → text. Mutating operations take the environment's lock.
 */
export async function runOperation(options: OperationOptions): Promise<unknown> {
  const timings: Timings = {};
  const signal = options.signal ?? new AbortController().signal;
  const { plugin, ctx, environment } = await prepare(options, timings, signal);
  const wrap = async <T>(fn: () => Promise<T>) => {
    try {
      return await fn();
    } catch (e) {
      throw tagError(e, plugin.name);
    }
  };
  const unsupported = (what: string, hint: string) =>
    new DoveError('DOVE_UNSUPPORTED', `The ${plugin.kind} target cannot ${what}.`, {
      hint,
      target: plugin.name,
    });
  switch (options.op) {
    case 'plan':
      return publicPlan(await wrap(() => plugin.plan(ctx)));
    case 'status':
      return wrap(() => plugin.status(ctx));
    case 'logs':
      if (!plugin.logs) throw unsupported('fetch logs', 'Read the logs in the Azure portal.');
      return wrap(() =>
        (plugin.logs as NonNullable<TargetPlugin['logs']>)(ctx, { tail: options.tail ?? 100 }),
      );
  }
  const store = options.lockStore ?? defaultLocks;
  const got = await store.acquire({
    key: environment,
    owner: options.owner ?? 'dove',
    reason: options.op,
    ttlMs: 30 * 60_000,
  });
  if (!got.acquired) {
    throw new DoveError(
      'DOVE_LOCKED',
      `Environment "${environment}" is locked by ${got.holder.owner} since ${got.holder.since}${got.holder.reason ? ` (${got.holder.reason})` : ''}.`,
    );
  }
  try {
    switch (options.op) {
      case 'destroy':
        return await wrap(() => plugin.destroy(ctx));
      case 'promote':
        if (!plugin.promote)
          throw unsupported(
            'promote',
            'Promote applies to the blue-green and canary strategies of the aks target.',
          );
        return await wrap(() => (plugin.promote as NonNullable<TargetPlugin['promote']>)(ctx));
      case 'reject':
        if (!plugin.reject)
          throw unsupported(
            'reject',
            'Reject applies to the blue-green and canary strategies of the aks target.',
          );
        return await wrap(() => (plugin.reject as NonNullable<TargetPlugin['reject']>)(ctx));
      case 'rollback':
        if (!plugin.undo)
          throw unsupported(
            'go back on its own: it keeps no previous version',
            `Deploy the previous version instead: dove deploy ${environment} --version <previous>.`,
          );
        return await wrap(() => (plugin.undo as NonNullable<TargetPlugin['undo']>)(ctx));
    }
  } finally {
    await store.release(got.lock).catch(() => undefined);
  }
}
