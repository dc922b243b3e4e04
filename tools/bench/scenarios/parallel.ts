// Figure 3, parallel targets: a first deploy of the example to every available target at once
// (each environment is its own lock) against the same deploys one after another.
// The fpga target is included as soon as @dove/target-fpga exports its plugin.
import { expectSucceeded, startBenchEnv, timed } from '../lib/env.ts';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

const scenario: Scenario = {
  id: 'parallel',
  title: 'Figure 3: parallel vs sequential deploy to every available target',
  async run(ctx) {
    const D = ctx.quick ? 500 : 1000;
    const env = await startBenchEnv({
      tmpDir: ctx.tmpDir,
      name: 'parallel',
      sandbox: { delays: { provisionMs: D, containerStartMs: 0, edgeReportMs: D } },
    });
    try {
      const environments = Object.keys(env.environments);
      const kinds = Object.values(env.environments).join(', ');
      const destroyAll = () => Promise.all(environments.map((e) => env.destroy(e)));
      const sequential: number[] = [];
      const parallel: number[] = [];
      const ideal: number[] = [];
      for (let i = 0; i < ctx.repeats; i++) {
        const singles: number[] = [];
        const seq = await timed(async () => {
          for (const e of environments) {
            const one = await timed(() => env.deploy(e));
            expectSucceeded(one.value, `${e} (sequential)`);
            singles.push(one.ms);
          }
        });
        await destroyAll();
        const par = await timed(async () => {
          const results = await Promise.all(environments.map((e) => env.deploy(e)));
          results.forEach((r, j) => {
            expectSucceeded(r, `${environments[j]} (parallel)`);
          });
        });
        await destroyAll();
        sequential.push(seq.ms);
        parallel.push(par.ms);
        ideal.push(Math.max(...singles) / singles.reduce((a, b) => a + b, 0));
        ctx.log(`#${i + 1}: sequential ${Math.round(seq.ms)} ms, parallel ${Math.round(par.ms)} ms`);
      }
      const rows: BenchRow[] = [
        {
          figure: '3. Parallel targets',
          name: `deploy to ${environments.length} targets at once (${kinds})`,
          value: Math.round(median(parallel)),
          unit: 'ms',
          baseline: { name: 'one after another', value: Math.round(median(sequential)) },
          ratio: median(parallel) / median(sequential),
          samples: parallel.map(Math.round),
          note: `ideal ratio (longest / sum) ${median(ideal).toFixed(2)}; delays ${D} ms; sequential samples ${sequential.map(Math.round).join(', ')}`,
        },
      ];
      return rows;
    } finally {
      await env.stop();
    }
  },
};

export default scenario;
