// Figure 2, no-op redeploy: deploying again when nothing changed must send no write at all.
// Per target: requests (from the sandbox's log) and wall time of the no-op, against the first
// deploy of the same target in the same run.
import { describeSplit, expectSucceeded, splitRequests, startBenchEnv, timed } from '../lib/env.ts';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

const scenario: Scenario = {
  id: 'noop',
  title: 'Figure 2: no-op redeploy (requests, wall time; writes must be 0)',
  async run(ctx) {
    const env = await startBenchEnv({
      tmpDir: ctx.tmpDir,
      name: 'noop',
      sandbox: { delays: { provisionMs: 200, containerStartMs: 0, edgeReportMs: 200 } },
    });
    const rows: BenchRow[] = [];
    const problems: string[] = [];
    try {
      for (const [environment, kind] of Object.entries(env.environments)) {
        const first = await timed(() => env.deploy(environment));
        expectSucceeded(first.value, `${kind} first deploy`);
        const times: number[] = [];
        const reads: number[] = [];
        const writes: number[] = [];
        let detail = '';
        for (let i = 0; i < Math.max(3, ctx.repeats); i++) {
          env.sandbox.resetRequests();
          const again = await timed(() => env.deploy(environment));
          expectSucceeded(again.value, `${kind} redeploy`);
          const split = splitRequests(env.sandbox);
          if (again.value.outcome !== 'noop')
            problems.push(`${kind}: a redeploy of the same spec was "${again.value.outcome}", not "noop"`);
          times.push(again.ms);
          reads.push(split.total.reads);
          writes.push(split.total.writes);
          detail = describeSplit(split);
        }
        const maxWrites = Math.max(...writes);
        if (maxWrites > 0) {
          problems.push(`${kind}: a no-op redeploy wrote ${maxWrites} time(s) (must be 0): ${detail}`);
          ctx.log(`!!! ${kind}: NO-OP REDEPLOY WROTE ${maxWrites} TIME(S); it must write nothing`);
        }
        rows.push({
          figure: '2. No-op redeploy',
          name: `${kind}: no-op redeploy wall time`,
          value: Math.round(median(times)),
          unit: 'ms',
          baseline: { name: 'first deploy', value: Math.round(first.ms) },
          ratio: median(times) / first.ms,
          samples: times.map(Math.round),
        });
        rows.push({
          figure: '2. No-op redeploy',
          name: `${kind}: requests of a no-op redeploy`,
          value: median(reads) + median(writes),
          unit: 'requests',
          samples: reads.map((r, i) => r + (writes[i] ?? 0)),
          note:
            maxWrites > 0
              ? `!!! ${maxWrites} WRITES: must be 0 (${detail})`
              : `writes 0 (as required); ${detail}`,
        });
      }
    } finally {
      await env.stop();
    }
    if (problems.length) throw Object.assign(new Error(problems.join('\n')), { rows });
    return rows;
  },
};

export default scenario;
