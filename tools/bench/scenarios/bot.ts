// Figure 6, the bot: how fast a webhook is acknowledged and how many per second, under a burst of
// signed deliveries (real issue_comment payloads), beside a bare Probot app with an empty handler
// (the floor); and the bot's memory after the burst. Both run as their own processes, against a
// local GitHub API; the /help burst also makes the bot write its answers (off the request path).
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deliverWebhook, type GitHubApi, startGitHubApi } from '@dove/testkit';
import { type BenchRow, percentile, type Scenario } from '../scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const require = createRequire(import.meta.url);
const SECRET = 'bench-webhook-secret-0123456789';
const APP_ID = 4242;
const INSTALLATION = 77;

interface Server {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function serve(script: string, env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--expose-gc', '--conditions=@dove/source', script], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((res, rej) => {
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${script} did not start within 60 s`)), 60_000);
    child.stdout?.on('data', (d) => {
      out += d;
      const m = /"url":"(http:[^"]+)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        res(m[1]);
      }
    });
    child.on('exit', (code) => rej(new Error(`${script} exited with ${code}`)));
  });
  child.stdout?.resume();
  return {
    url,
    child,
    stop: () =>
      new Promise<void>((res) => {
        if (child.exitCode !== null) return res();
        child.once('exit', () => res());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

function commentPayloads(gh: GitHubApi, n: number, body: (i: number) => string) {
  const group = (
    require('@octokit/webhooks-examples') as { name: string; examples: Record<string, unknown>[] }[]
  ).find((e) => e.name === 'issue_comment');
  const ex = group?.examples.find((x) => x.action === 'created') as Record<string, Record<string, unknown>>;
  return Array.from({ length: n }, (_, i) => {
    const text = body(i);
    const c = gh.addComment('acme/models', 7, 'alice', text);
    return {
      ...ex,
      repository: {
        ...ex.repository,
        name: 'models',
        full_name: 'acme/models',
        owner: { ...(ex.repository?.owner as object), login: 'acme' },
      },
      issue: { ...ex.issue, number: 7, pull_request: { url: `${gh.url}/repos/acme/models/pulls/7` } },
      comment: {
        ...ex.comment,
        id: c.id,
        body: text,
        user: { ...(ex.comment?.user as object), login: 'alice', type: 'User' },
      },
      sender: { ...ex.sender, login: 'alice', type: 'User' },
      installation: { id: INSTALLATION },
    };
  });
}

/** Delivers every payload, `concurrency` at a time; per-delivery latency and the burst's wall time. */
async function burst(url: string, payloads: unknown[], concurrency: number) {
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < payloads.length) {
        const payload = payloads[next++];
        const r = await deliverWebhook(`${url}/api/github/webhooks`, {
          name: 'issue_comment',
          payload,
          secret: SECRET,
        });
        if (r.status !== 200) failures++;
        latencies.push(r.ms);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  if (failures > 0)
    throw new Error(`${failures} of ${payloads.length} deliveries were not acknowledged with 200`);
  return { latencies, perSecond: payloads.length / seconds };
}

async function health(
  url: string,
): Promise<{ inFlight?: number; memory: { rssMB: number; heapUsedMB: number } }> {
  return (await fetch(`${url}/healthz?gc=1`)).json() as never;
}

const scenario: Scenario = {
  id: 'bot',
  title: 'Figure 6: bot webhook acknowledgement latency and throughput, memory after a burst',
  async run(ctx) {
    const n = ctx.quick ? 60 : 400;
    const concurrency = 16;
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const gh = await startGitHubApi();
    gh.addApp({ id: APP_ID, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
    gh.addRepo({
      owner: 'acme',
      name: 'models',
      installationId: INSTALLATION,
      collaborators: { alice: 'write' },
      files: { 'dove.yaml': 'apiVersion: dove/v1\n' },
    });
    gh.addPull('acme/models', { number: 7, headSha: 'a1'.repeat(20) });
    const env = {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
      WEBHOOK_SECRET: SECRET,
      GITHUB_API_URL: gh.url,
      PORT: '0',
      HOST: '127.0.0.1',
      DOVE_CLOUD_PROFILE: 'AzureCloud',
      DOVE_BOT_INSTANCE: 'bench',
      GITHUB_THROTTLE: 'false',
      LOG_LEVEL: 'info',
    };
    const floor = await serve(join('tools', 'bench', 'lib', 'bare-probot.ts'), env);
    const dove = await serve(join('apps', 'bot', 'src', 'bin.ts'), env);
    try {
      const rows: BenchRow[] = [];
      const chatter = (i: number) => `Looks good to me, nice work on the model (${i})`;
      // Warm both (JIT, keep-alive, the installation token) before measuring.
      await burst(floor.url, commentPayloads(gh, 20, chatter), 4);
      await burst(dove.url, commentPayloads(gh, 20, chatter), 4);
      const memBefore = await health(dove.url);
      const f = { p50: [] as number[], p99: [] as number[], rps: [] as number[] };
      const d = { p50: [] as number[], p99: [] as number[], rps: [] as number[] };
      const h = { p50: [] as number[], p99: [] as number[], rps: [] as number[] };
      for (let r = 0; r < ctx.repeats; r++) {
        for (const [target, acc, body] of [
          [floor.url, f, chatter],
          [dove.url, d, chatter],
          [dove.url, h, () => '/help'],
        ] as const) {
          const res = await burst(target, commentPayloads(gh, n, body), concurrency);
          acc.p50.push(percentile(res.latencies, 50));
          acc.p99.push(percentile(res.latencies, 99));
          acc.rps.push(res.perSecond);
        }
        // Let the /help answers finish before the next round.
        for (let i = 0; i < 600 && ((await health(dove.url)).inFlight ?? 0) > 0; i++)
          await new Promise((x) => setTimeout(x, 100));
      }
      const memAfter = await health(dove.url);
      const floorAfter = await health(floor.url);
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number;
      const round = (v: number, p = 2) => +v.toFixed(p);
      const note = `${n} signed issue_comment deliveries per burst, ${concurrency} at a time, over loopback HTTP; each app in its own process`;
      const row = (
        name: string,
        unit: string,
        mine: number[],
        base: number[] | undefined,
        baseName: string,
        p = 2,
      ): BenchRow => ({
        figure: '6. Bot',
        name,
        value: round(med(mine), p),
        unit,
        ...(base
          ? { baseline: { name: baseName, value: round(med(base), p) }, ratio: round(med(mine) / med(base)) }
          : {}),
        samples: mine.map((x) => round(x, p)),
        note,
      });
      rows.push(
        row('ack latency p50, non-command comments', 'ms', d.p50, f.p50, 'bare Probot app, empty handler'),
        row('ack latency p99, non-command comments', 'ms', d.p99, f.p99, 'bare Probot app, empty handler'),
        row(
          'throughput, non-command comments',
          'deliveries/s',
          d.rps,
          f.rps,
          'bare Probot app, empty handler',
          0,
        ),
        row(
          'ack latency p50, /help commands (answers written off the request path)',
          'ms',
          h.p50,
          f.p50,
          'bare Probot app, empty handler',
        ),
        row('ack latency p99, /help commands', 'ms', h.p99, f.p99, 'bare Probot app, empty handler'),
        row('throughput, /help commands', 'deliveries/s', h.rps, f.rps, 'bare Probot app, empty handler', 0),
        {
          figure: '6. Bot',
          name: 'bot heap used after the bursts (after a forced GC)',
          value: memAfter.memory.heapUsedMB,
          unit: 'MB',
          baseline: { name: 'bare Probot app after its bursts', value: floorAfter.memory.heapUsedMB },
          ratio: round(memAfter.memory.heapUsedMB / floorAfter.memory.heapUsedMB),
          note: `the bot loads every target's Azure SDKs; after warm-up its heap was ${memBefore.memory.heapUsedMB} MB`,
        },
        {
          figure: '6. Bot',
          name: 'bot RSS after the bursts',
          value: memAfter.memory.rssMB,
          unit: 'MB',
          baseline: { name: 'bot RSS after warm-up', value: memBefore.memory.rssMB },
          ratio: round(memAfter.memory.rssMB / memBefore.memory.rssMB),
          note: `after ${ctx.repeats * 2 * n} deliveries; the bare Probot app: ${floorAfter.memory.rssMB} MB`,
        },
      );
      ctx.log(`bot: ${rows.map((x) => `${x.name}=${x.value}${x.unit}`).join(', ')}`);
      return rows;
    } finally {
      await Promise.all([floor.stop(), dove.stop()]);
      await gh.close();
    }
  },
};

export default scenario;
