// Figure 1, deploy overhead: with the platform's own delay fixed at D, a first deploy of the
// example to each target, as wall time / D (1.0 is the ideal), and the requests each deploy sends
// to ARM, Kubernetes and IoT Hub, split into reads and writes (from the sandbox's request log).
import {
  describeSplit,
  expectSucceeded,
  loadTargets,
  type RequestSplit,
  splitRequests,
  startBenchEnv,
  timed,
  writeKinds,
} from '../lib/env.ts';
import { SLOW_FPGA_SCORER, SLOW_SCORER, slowScorerImages } from '../lib/images.ts';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

/** Which sandbox delay is D for each kind: what Azure itself takes on that target. */
const D_IS: Record<string, string> = {
  aci: 'provisionMs (the container group create)',
  aks: 'the scoring container start (a pod on an existing cluster)',
  edge: 'edgeReportMs (devices report the modules running)',
  fpga: 'the featurizer container start (its FPGA node pool is created without delay)',
};

const scenario: Scenario = {
  id: 'overhead',
  title: 'Figure 1: deploy overhead per target (wall time / D) and requests per deploy',
  async run(ctx) {
    const D = ctx.quick ? 1000 : 2000;
    const { plugins } = await loadTargets();
    const rows: BenchRow[] = [];
    for (const kind of plugins.map((p) => p.kind)) {
      const containerDelay = kind === 'aks' || kind === 'fpga';
      const env = await startBenchEnv({
        tmpDir: ctx.tmpDir,
        name: kind,
        sandbox: {
          delays: {
            provisionMs: kind === 'aci' ? D : 0,
            containerStartMs: 0,
            edgeReportMs: kind === 'edge' ? D : 0,
          },
          ...(containerDelay ? { images: slowScorerImages(D) } : {}),
        },
        editSpec(doc) {
          for (const [e, t] of Object.entries(doc.targets)) if (t.kind !== kind) delete doc.targets[e];
          if (kind === 'aks') (doc.scoring as Record<string, unknown>).image = SLOW_SCORER;
          if (kind === 'fpga') for (const t of Object.values(doc.targets)) t.image = SLOW_FPGA_SCORER;
        },
      });
      try {
        const environment = Object.keys(env.environments)[0];
        if (!environment) throw new Error(`the example has no ${kind} environment`);
        const times: number[] = [];
        const splits: RequestSplit[] = [];
        const writesSeen = { arm: new Set<string>(), k8s: new Set<string>(), iothub: new Set<string>() };
        for (let i = 0; i < ctx.repeats; i++) {
          env.sandbox.resetRequests();
          const { value, ms } = await timed(() => env.deploy(environment));
          expectSucceeded(value, `${kind} first deploy`);
          if (value.plan.action !== 'create')
            throw new Error(`${kind}: expected a first deploy (create), planned ${value.plan.action}`);
          splits.push(splitRequests(env.sandbox));
          for (const api of ['arm', 'k8s', 'iothub'] as const)
            for (const w of writeKinds(env.sandbox, api)) writesSeen[api].add(w);
          times.push(ms);
          ctx.log(`${kind} #${i + 1}: ${Math.round(ms)} ms, ${describeSplit(splits.at(-1) as RequestSplit)}`);
          await env.destroy(environment);
        }
        rows.push({
          figure: '1. Deploy overhead',
          name: `${kind}: first deploy wall time / D`,
          value: Math.round(median(times)),
          unit: 'ms',
          baseline: { name: `D = ${D} ms`, value: D },
          ratio: median(times) / D,
          samples: times.map(Math.round),
          note: `D is ${D_IS[kind] ?? 'the platform delay'}`,
        });
        for (const api of ['arm', 'k8s', 'iothub'] as const) {
          const reads = splits.map((s) => s[api].reads);
          const writes = splits.map((s) => s[api].writes);
          if (median(reads) + median(writes) === 0) continue;
          const label = { arm: 'ARM', k8s: 'Kubernetes', iothub: 'IoT Hub' }[api];
          rows.push({
            figure: '1. Deploy overhead',
            name: `${kind}: ${label} requests per first deploy`,
            value: median(reads) + median(writes),
            unit: 'requests',
            samples: splits.map((s) => s[api].reads + s[api].writes),
            note: `${median(reads)} reads, ${median(writes)} writes${writesSeen[api].size ? ` (${[...writesSeen[api]].join(', ')})` : ''}`,
          });
        }
      } finally {
        await env.stop();
      }
    }
    return rows;
  },
};

export default scenario;
