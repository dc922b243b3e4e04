// Figure 5, the GitHub Action: cold start of the committed bundle (`node apps/action/dist/index.js`
// started as a runner starts it, with INPUT_* variables and an event file) to its first Azure
// request, read from the sandbox's request log; and the bundle's size. The floor is a minimal
// `@actions/core` action bundled the same way (tools/build-action.mjs's options) that makes one
// request to the same sandbox as soon as it starts.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { build } from 'esbuild';
import { ACTION_BUILD_OPTIONS } from '../../build-action.mjs';
import { type BenchRow, median, type Scenario } from '../scenario.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BUNDLE = join(root, 'apps/action/dist/index.js');

/** The floor: read an input, make one HTTPS request to the cloud, set an output. */
const FLOOR_SOURCE = `
import * as core from '@actions/core';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
const p = JSON.parse(readFileSync(core.getInput('cloud'), 'utf8'));
const url = p.authorityHost + '/' + p.sandbox.tenantId + '/v2.0/.well-known/openid-configuration';
request(url, { ca: p.caCert }, (res) => {
  res.resume();
  res.on('end', () => core.setOutput('status', String(res.statusCode)));
}).end();
`;

async function buildFloor(dir: string): Promise<string> {
  const outfile = join(dir, 'floor.js');
  await build({
    ...(ACTION_BUILD_OPTIONS as object),
    stdin: { contents: FLOOR_SOURCE, resolveDir: root, sourcefile: 'floor.ts', loader: 'ts' },
    outfile,
  });
  return outfile;
}

/** Runs a bundle as the runner does; resolves with when it was started and its exit code. */
async function runAsRunner(script: string, dir: string, inputs: Record<string, string>) {
  const event = join(dir, 'event.json');
  writeFileSync(event, JSON.stringify({ inputs: {} }));
  writeFileSync(join(dir, 'output'), '');
  writeFileSync(join(dir, 'summary.md'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_EVENT_PATH: event,
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary.md'),
    GITHUB_REPOSITORY: 'acme/models',
    GITHUB_SHA: 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e',
    GITHUB_REF: 'refs/heads/main',
    RUNNER_TEMP: dir,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  const started = Date.now();
  const child = spawn(process.execPath, [script], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
  });
  child.stderr.on('data', (d) => {
    out += d;
  });
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  return { started, code, out };
}

/** ms from the process start to the end of the first request the sandbox served. */
async function coldStart(sb: Sandbox, script: string, dir: string, inputs: Record<string, string>) {
  sb.resetRequests();
  const run = await runAsRunner(script, dir, inputs);
  if (run.code !== 0) throw new Error(`${script} exited with ${run.code}:\n${run.out.slice(-2000)}`);
  const first = sb.requests().find((r) => r.api === 'token' || r.api === 'arm');
  if (!first) throw new Error(`${script} made no Azure request`);
  return first.at - run.started;
}

const scenario: Scenario = {
  id: 'action',
  title: 'Figure 5: the GitHub Action (cold start to first Azure request, bundle size)',
  async run(ctx) {
    const dir = join(ctx.tmpDir, 'action');
    const workspace = join(dir, 'workspace');
    mkdirSync(workspace, { recursive: true });
    const iris = join(root, 'examples/iris');
    cpSync(join(iris, 'model'), join(workspace, 'model'), { recursive: true });
    const text = readFileSync(join(iris, 'dove.yaml'), 'utf8');
    writeFileSync(join(workspace, 'dove.yaml'), text.slice(0, text.indexOf('  # Production on Kubernetes')));
    const floor = await buildFloor(dir);
    const sb = await startSandbox({ stateDir: join(dir, 'sandbox'), storage: false });
    try {
      const actionInputs = { cloud: sb.profilePath, target: 'dev', 'dry-run': 'true', spec: 'dove.yaml' };
      const floorInputs = { cloud: sb.profilePath };
      // One warm-up each (disk cache), then alternate so both see the same machine load.
      await coldStart(sb, BUNDLE, workspace, actionInputs);
      await coldStart(sb, floor, workspace, floorInputs);
      const action: number[] = [];
      const base: number[] = [];
      for (let i = 0; i < ctx.repeats; i++) {
        action.push(await coldStart(sb, BUNDLE, workspace, actionInputs));
        base.push(await coldStart(sb, floor, workspace, floorInputs));
        ctx.log(`action: run ${i + 1}/${ctx.repeats}: ${action.at(-1)} ms (floor ${base.at(-1)} ms)`);
      }
      const size = statSync(BUNDLE).size;
      const floorSize = statSync(floor).size;
      const rows: BenchRow[] = [
        {
          figure: '5. Action cold start',
          name: 'node apps/action/dist/index.js to its first Azure request',
          value: median(action),
          unit: 'ms',
          baseline: { name: 'minimal @actions/core action, bundled the same way', value: median(base) },
          ratio: median(action) / median(base),
          samples: action,
          note: `floor samples: ${base.join(', ')} ms; dry run of the ACI environment, sandbox login`,
        },
        {
          figure: '5. Action bundle size',
          name: 'apps/action/dist/index.js',
          value: Math.round((size / 1024 / 1024) * 100) / 100,
          unit: 'MB',
          baseline: {
            name: 'minimal @actions/core action, bundled the same way',
            value: Math.round((floorSize / 1024 / 1024) * 1000) / 1000,
          },
          ratio: size / floorSize,
          note: `${size} bytes vs ${floorSize} bytes (ESM, minified, names kept)`,
        },
      ];
      return rows;
    } finally {
      await sb.stop();
    }
  },
};

export default scenario;
