import type { TargetContext } from '@dove/deploy-core';
import { EdgeError } from './errors.ts';
import type { Hub, HubConfiguration } from './hub.ts';
import type { EdgeConfig } from './schema.ts';

export interface RolloutCounts {
  targeted: number;
  applied: number;
  succeeded: number;
  failed: number;
  custom: Record<string, number>;
}

export const countsOf = (cfg: HubConfiguration): RolloutCounts => {
  const r = cfg.systemMetrics?.results ?? {};
  return {
    targeted: r.targetedCount ?? 0,
    applied: r.appliedCount ?? 0,
    succeeded: r.reportedSuccessfulCount ?? 0,
    failed: r.reportedFailedCount ?? 0,
    custom: cfg.metrics?.results ?? {},
  };
};

export const describeCounts = (c: RolloutCounts) =>
  `${c.succeeded} of ${c.applied} devices report success, ${c.failed} failure, ${c.applied - c.succeeded - c.failed} pending (${c.targeted} targeted)`;

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Watches a deployment's metrics (one request per poll, whatever the fleet size) until the
 * success threshold is met, failures make it unreachable, or the deadline passes.
 */
export async function watchRollout(
  ctx: TargetContext<EdgeConfig>,
  hub: Hub,
  id: string,
): Promise<RolloutCounts> {
  const { successThreshold: threshold, deadlineSeconds, pollSeconds } = ctx.config;
  const deadline = Date.now() + deadlineSeconds * 1000;
  for (;;) {
    const cfg = await hub.getConfiguration(id);
    if (!cfg)
      throw new EdgeError(
        'EDGE_DEPLOYMENT_GONE',
        `Deployment ${id} disappeared from the hub while it rolled out.`,
        'Someone removed it; deploy again.',
      );
    const c = countsOf(cfg);
    ctx.progress(
      `${id}: ${describeCounts(c)}`,
      c.applied ? Math.round((100 * (c.succeeded + c.failed)) / c.applied) : 0,
    );
    if (c.applied > 0 && c.succeeded * 100 >= threshold * c.applied) return c;
    if (c.applied > 0 && c.failed * 100 > (100 - threshold) * c.applied)
      throw new EdgeError(
        'EDGE_ROLLOUT_FAILED',
        `Deployment ${id}: ${describeCounts(c)}; the success threshold of ${threshold}% can no longer be met.`,
        "Read the failing devices' $edgeAgent reported properties (lastDesiredStatus, modules.<name>.statusDescription).",
      );
    if (Date.now() >= deadline)
      throw new EdgeError(
        c.applied === 0 ? 'EDGE_NO_DEVICES' : 'EDGE_DEADLINE',
        c.applied === 0
          ? `Deployment ${id} reaches no device (targetCondition '${cfg.targetCondition}', or a higher-priority deployment wins everywhere).`
          : `Deployment ${id} did not reach ${threshold}% success within ${deadlineSeconds} s: ${describeCounts(c)}.`,
        c.applied === 0
          ? 'Check the tags of your devices and the priorities of other deployments.'
          : 'Devices that never report may be offline; raise deadlineSeconds or lower successThreshold.',
      );
    await sleep(pollSeconds * 1000, ctx.signal);
  }
}

/**
 * After a rollback: waits until as many devices report success on the fallback deployment as
 * did before the failed rollout (its own failures are not this deploy's to judge).
 */
export async function watchFallback(
  ctx: TargetContext<EdgeConfig>,
  hub: Hub,
  id: string,
  before: number,
): Promise<RolloutCounts> {
  const deadline = Date.now() + ctx.config.deadlineSeconds * 1000;
  for (;;) {
    const cfg = await hub.getConfiguration(id);
    if (!cfg)
      throw new EdgeError(
        'EDGE_DEPLOYMENT_GONE',
        `The fallback deployment ${id} is gone; devices run nothing from this environment.`,
        'Deploy a known good version.',
      );
    const c = countsOf(cfg);
    ctx.progress(`fallback ${id}: ${describeCounts(c)}`);
    if (c.succeeded >= Math.min(before, c.applied) && c.applied > 0) return c;
    if (Date.now() >= deadline)
      throw new EdgeError(
        'EDGE_ROLLBACK_DEADLINE',
        `Devices did not report the fallback deployment ${id} within ${ctx.config.deadlineSeconds} s: ${describeCounts(c)} (before: ${before} succeeded).`,
        'They fall back as they reconnect; watch dove status.',
      );
    await sleep(ctx.config.pollSeconds * 1000, ctx.signal);
  }
}
