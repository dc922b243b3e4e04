// Figure 7, resilience under faults: the sandbox answers 20 % of the ARM, Kubernetes and IoT Hub
// requests with 429 (Retry-After: 1), or 503, or drops the connection; every available target is
// deployed (a first deploy each, side by side) and we report the success rate and the time
// against the same deploys without faults, measured in the same run.
import type { DeployResult } from '@dove/deploy-core';
import type { FaultRule } from '@dove/sandbox';
import { startBenchEnv, timed } from '../lib/env.ts';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

const RATE = 0.2;
const FAULTS: { id: string; label: string; fault: FaultRule['fault'] }[] = [
  {
    id: '429',
    label: '429 with Retry-After: 1',
    fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
  },
  { id: '503', label: '503', fault: { type: 'status', status: 503 } },
  { id: 'drop', label: 'dropped connections', fault: { type: 'drop' } },
];

const scenario: Scenario = {
  id: 'resilience',
  title: 'Figure 7: success rate and added time with 20 % of requests faulted (429, 503, drops)',
  async run(ctx) {
    const env = await startBenchEnv({
      tmpDir: ctx.tmpDir,
      name: 'resilience',
      sandbox: { delays: { provisionMs: 200, containerStartMs: 0, edgeReportMs: 200 } },
    });
    try {
      const environments = Object.entries(env.environments);
      /** One trial: a first deploy of every environment at once, under the rules given. */
      const trial = async (rules: FaultRule[]) => {
        env.sandbox.faults.clear();
        for (const r of rules) env.sandbox.faults.add(r);
        const out = await Promise.all(
          environments.map(async ([environment]) => {
            const t = await timed(() =>
              env
                .deploy(environment, { signal: AbortSignal.timeout(4 * 60_000) })
                .catch(
                  (err: Error): DeployResult =>
                    ({ outcome: 'failed', error: { code: 'THROWN', message: err.message } }) as DeployResult,
                ),
            );
            return { environment, ok: t.value.outcome === 'succeeded', ms: t.ms, error: t.value.error };
          }),
        );
        env.sandbox.faults.clear();
        injected += env.sandbox
          .requests()
          .filter((r) => r.status === 0 || r.status === 429 || r.status === 503).length;
        env.sandbox.resetRequests();
        await Promise.all(environments.map(([e]) => env.destroy(e)));
        return out;
      };
      let injected = 0;
      const byKey = new Map<
        string,
        { ok: boolean; ms: number; error?: { code: string; message?: string } }[]
      >();
      const push = (
        key: string,
        r: { ok: boolean; ms: number; error?: { code: string; message?: string } },
      ) => {
        const list = byKey.get(key) ?? [];
        list.push(r);
        byKey.set(key, list);
      };
      for (let i = 0; i < ctx.repeats; i++) {
        for (const r of await trial([])) push(`none/${r.environment}`, r);
        for (const f of FAULTS) {
          injected = 0;
          const results = await trial(
            (['arm', 'k8s', 'iothub'] as const).map((api) => ({ api, rate: RATE, fault: f.fault })),
          );
          for (const r of results) push(`${f.id}/${r.environment}`, r);
          ctx.log(
            `#${i + 1} ${f.label}: ${results.map((r) => `${r.environment} ${r.ok ? 'ok' : `FAILED ${r.error?.code}`} ${Math.round(r.ms)} ms`).join(', ')} (${injected} faults injected)`,
          );
        }
      }
      const rows: BenchRow[] = [];
      for (const f of FAULTS) {
        const all = environments.flatMap(([e]) => byKey.get(`${f.id}/${e}`) ?? []);
        const ok = all.filter((r) => r.ok).length;
        rows.push({
          figure: '7. Resilience',
          name: `${f.label} on 20 % of requests: success rate`,
          value: Math.round((ok / all.length) * 1000) / 10,
          unit: '%',
          baseline: {
            name: 'no faults',
            value:
              Math.round(
                (environments.flatMap(([e]) => byKey.get(`none/${e}`) ?? []).filter((r) => r.ok).length /
                  (environments.length * ctx.repeats)) *
                  1000,
              ) / 10,
          },
          note: `${ok} of ${all.length} deploys (${environments.map(([, k]) => k).join(', ')} × ${ctx.repeats})`,
        });
        for (const [environment, kind] of environments) {
          const faulted = byKey.get(`${f.id}/${environment}`) ?? [];
          const clean = (byKey.get(`none/${environment}`) ?? []).filter((r) => r.ok).map((r) => r.ms);
          const good = faulted.filter((r) => r.ok).map((r) => r.ms);
          const failures = faulted
            .filter((r) => !r.ok)
            .map((r) => `${r.error?.code ?? '?'} (${(r.error?.message ?? '').split('\n')[0]?.slice(0, 80)})`);
          rows.push({
            figure: '7. Resilience',
            name: `${f.label}: ${kind} deploy time`,
            value: Math.round(median(good)),
            unit: 'ms',
            baseline: { name: 'no faults', value: Math.round(median(clean)) },
            ratio: median(good) / median(clean),
            samples: faulted.map((r) => Math.round(r.ms)),
            note: `${good.length}/${faulted.length} succeeded${failures.length ? `; failed: ${failures.join(', ')}` : ''}`,
          });
        }
      }
      return rows;
    } finally {
      await env.stop();
    }
  },
};

export default scenario;
