// Figure 4, edge fleets: a deploy to fleets of 100, 1,000 and 10,000 simulated devices, watched
// until every device reports success. The requests to IoT Hub must not grow with the fleet: a
// deploy is a few requests (list, count, one PUT) and each poll is one GET of the deployment's
// system metrics, whatever the fleet size.
import { expectSucceeded, splitRequests, startBenchEnv, timed } from '../lib/env.ts';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

const POLL_SECONDS = 1;
const REPORT_MS = 500;

const scenario: Scenario = {
  id: 'fleet',
  title: 'Figure 4: edge fleets of 100, 1,000 and 10,000 devices (requests, wall time)',
  async run(ctx) {
    const sizes = ctx.quick ? [100, 1000] : [100, 1000, 10_000];
    const rows: BenchRow[] = [];
    let base: { requests: number; ms: number; fixed: number } | undefined;
    for (const size of sizes) {
      const env = await startBenchEnv({
        tmpDir: ctx.tmpDir,
        name: `fleet-${size}`,
        sandbox: {
          delays: { provisionMs: 0, containerStartMs: 0, edgeReportMs: REPORT_MS },
          fleet: { devices: size },
        },
        editSpec(doc) {
          for (const [e, t] of Object.entries(doc.targets)) if (t.kind !== 'edge') delete doc.targets[e];
          for (const t of Object.values(doc.targets)) {
            t.pollSeconds = POLL_SECONDS;
            t.successThreshold = 100;
          }
        },
      });
      try {
        const environment = Object.keys(env.environments)[0];
        if (!environment) throw new Error('the example has no edge environment');
        const times: number[] = [];
        const totals: number[] = [];
        const fixed: number[] = [];
        const polls: number[] = [];
        for (let i = 0; i < ctx.repeats; i++) {
          env.sandbox.resetRequests();
          let verifyPolls = 0;
          const { value, ms } = await timed(() =>
            env.deploy(environment, {
              onEvent: (e) => {
                if (e.type === 'progress' && e.step === 'verify') verifyPolls++;
              },
            }),
          );
          expectSucceeded(value, `edge fleet of ${size}`);
          const split = splitRequests(env.sandbox);
          const total = split.iothub.reads + split.iothub.writes;
          times.push(ms);
          totals.push(total);
          polls.push(verifyPolls);
          fixed.push(total - verifyPolls);
          ctx.log(
            `${size} devices #${i + 1}: ${Math.round(ms)} ms, ${total} IoT Hub requests, ${verifyPolls} polls`,
          );
          await env.destroy(environment);
        }
        const m = { requests: median(totals), ms: median(times), fixed: median(fixed) };
        base ??= m;
        const grows = m.fixed > base.fixed;
        rows.push({
          figure: '4. Edge fleet',
          name: `${size.toLocaleString('en-US')} devices: IoT Hub requests to deploy and watch to success`,
          value: m.requests,
          unit: 'requests',
          baseline: { name: `${sizes[0]} devices`, value: base.requests },
          ratio: m.requests / base.requests,
          samples: totals,
          note: grows
            ? `!!! GROWS WITH THE FLEET: ${m.fixed} requests besides polls vs ${base.fixed} at ${sizes[0]} devices`
            : `${m.fixed} to plan and apply + ${median(polls)} polls of 1 GET (poll every ${POLL_SECONDS} s)`,
        });
        rows.push({
          figure: '4. Edge fleet',
          name: `${size.toLocaleString('en-US')} devices: wall time to deploy and watch to success`,
          value: Math.round(m.ms),
          unit: 'ms',
          baseline: { name: `${sizes[0]} devices`, value: Math.round(base.ms) },
          ratio: m.ms / base.ms,
          samples: times.map(Math.round),
          note: `devices report ${REPORT_MS} ms after the deployment reaches them`,
        });
      } finally {
        await env.stop();
      }
    }
    return rows;
  },
};

export default scenario;
