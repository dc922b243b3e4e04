import {
  DoveError,
  type Plan,
  type TargetContext,
  type TargetPlugin,
  type TargetStatus,
} from '@dove/deploy-core';
import { aks, baseName } from '@dove/target-aks';
import { ARCHITECTURE_NAMES, ARCHITECTURES, FPGA_SIZES } from './catalogue.ts';
import { configSchema, type FpgaConfig } from './config.ts';
import {
  deletePool,
  ensurePool,
  listPools,
  type PoolPlan,
  planPool,
  poolWarnings,
  TAG_CREATED_BY,
} from './pool.ts';
import { poolUsers } from './usage.ts';
import { aksContext, extensionFor } from './workload.ts';

type Ctx = TargetContext<FpgaConfig>;
type AksPlugin = ReturnType<typeof aks>;
type AksPlan = Awaited<ReturnType<AksPlugin['plan']>>;

/** What `apply` does: the pool first, then the AKS workload. */
export interface FpgaDesired {
  pool: PoolPlan;
  aks: AksPlan['desired'];
}
export type FpgaPrevious = AksPlan['previous'];

export interface FpgaOptions {
  /** How often rollouts are polled (ms, default 250). */
  pollMs?: number;
}

/** `fpga()`: FPGA-accelerated featurizers on an AKS node pool, served over TF-Serving's gRPC Predict. */
export function fpga(options: FpgaOptions = {}): TargetPlugin<FpgaConfig, FpgaDesired, FpgaPrevious> {
  const pollMs = options.pollMs ?? 250;
  const aksFor = (ctx: Ctx, pool?: Pick<PoolPlan, 'name' | 'taints' | 'size'>): AksPlugin => {
    const size = FPGA_SIZES[ctx.config.nodePool.vmSize] ?? FPGA_SIZES.Standard_PB6s!;
    const extension = extensionFor(ctx, pool ?? { name: ctx.config.nodePool.name, taints: [], size });
    return aks({ name: 'dove:fpga', kind: 'fpga', extension, pollMs });
  };
  const aksPlan = (plan: Plan<FpgaDesired, FpgaPrevious>): AksPlan => ({
    ...plan,
    desired: plan.desired.aks,
    ...(plan.previous ? { previous: plan.previous } : {}),
  });

  return {
    name: 'dove:fpga',
    kind: 'fpga',
    description: 'FPGA-accelerated featurizers (ResNet, DenseNet, VGG, SSD-VGG) on AKS, gRPC Predict',
    configSchema,

    async plan(ctx) {
      const c = ctx.config;
      if (!(ARCHITECTURES as readonly string[]).includes(c.architecture)) {
        throw new DoveError(
          'DOVE_SETTINGS_INVALID',
          `targets.${ctx.environment}.architecture: '${c.architecture}' is not a supported featurizer. Supported: ${ARCHITECTURES.map((a) => `${a} (${ARCHITECTURE_NAMES[a]})`).join(', ')}.`,
        );
      }
      const actx = aksContext(ctx);
      const pool = await planPool(ctx, actx);
      const inner = await aksFor(ctx, pool).plan(actx);
      const poolChange =
        pool.action === 'create'
          ? [
              {
                path: `agentPools/${pool.name}`,
                kind: 'add' as const,
                after: `${pool.count} x ${pool.vmSize}`,
              },
            ]
          : pool.action === 'scale'
            ? [
                {
                  path: `agentPools/${pool.name}.count`,
                  kind: 'change' as const,
                  before: pool.existingCount,
                  after: pool.count,
                },
              ]
            : [];
      const action = inner.action === 'noop' && poolChange.length ? 'update' : inner.action;
      const where =
        pool.action === 'reuse'
          ? `on FPGA pool ${pool.name}`
          : `on ${pool.action === 'create' ? 'new' : 'grown'} FPGA pool ${pool.name}`;
      return {
        action,
        summary: `${inner.summary} ${where} (${c.architecture}${c.quantized ? ', quantized' : ''}, ${pool.vmSize}, ${pool.location})`,
        changes: [...poolChange, ...inner.changes],
        warnings: [...poolWarnings(ctx, pool), ...inner.warnings],
        desired: { pool, aks: inner.desired },
        ...(inner.previous ? { previous: inner.previous } : {}),
      };
    },

    async apply(ctx, plan) {
      const actx = aksContext(ctx);
      await ensurePool(actx, plan.desired.pool);
      const applied = await aksFor(ctx, plan.desired.pool).apply(actx, aksPlan(plan));
      return { ...applied, details: { ...applied.details, nodePool: plan.desired.pool.name } };
    },

    async verify(ctx, applied, plan) {
      return aksFor(ctx, plan.desired.pool).verify(aksContext(ctx), applied, aksPlan(plan));
    },

    async rollback(ctx, plan) {
      await aksFor(ctx, plan.desired.pool).rollback(aksContext(ctx), aksPlan(plan));
    },

    async status(ctx) {
      const s = await aksFor(ctx).status(aksContext(ctx));
      return { ...s, kind: 'fpga' } satisfies TargetStatus;
    },

    async destroy(ctx) {
      const actx = aksContext(ctx);
      const { removed } = await aksFor(ctx).destroy(actx);
      const pools = await listPools(actx);
      const vmSize = ctx.config.nodePool.vmSize.toLowerCase();
      const pool =
        pools.find((p) => p.name === ctx.config.nodePool.name) ??
        pools.find((p) => p.vmSize?.toLowerCase() === vmSize && p.tags?.[TAG_CREATED_BY] === 'dove');
      if (!pool?.name) return { removed };
      if (pool.tags?.[TAG_CREATED_BY] !== 'dove') {
        ctx.log('info', `node pool ${pool.name} was not created by Dove; it is kept`);
        return { removed };
      }
      const users = await poolUsers(actx, pool.name, {
        namespace: ctx.config.namespace,
        app: baseName(actx),
      });
      if (users.length) {
        const message = `node pool ${pool.name} is kept: still used by ${users.join(', ')}`;
        ctx.log('info', message);
        ctx.progress(message);
        return { removed };
      }
      await deletePool(actx, pool.name);
      return { removed: [...removed, `agentPools/${pool.name}`] };
    },

    async logs(ctx, o) {
      return aksFor(ctx).logs!(aksContext(ctx), o);
    },

    async promote(ctx) {
      const s = await aksFor(ctx).promote!(aksContext(ctx));
      return { ...s, kind: 'fpga' };
    },

    async reject(ctx) {
      const s = await aksFor(ctx).reject!(aksContext(ctx));
      return { ...s, kind: 'fpga' };
    },
  };
}
