// Runs the bundled Action (dist/index.js) as a GitHub runner does: a `node` subprocess with
// the inputs as INPUT_* variables, the event payload in GITHUB_EVENT_PATH, and the
// GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files, against the sandbox (Azure), a local GitHub REST
// API and a local OIDC token service.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Sandbox, type SandboxOptions, startSandbox } from '@dove/sandbox';
import { type GitHubApi, type OidcIssuer, startGitHubApi, startOidcIssuer } from '@dove/testkit';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const bundle = join(repoRoot, 'apps/action/dist/index.js');
export const REPO = 'acme/models';
export const SHA = 'f95f852bd8fca8fcc58a9a2d6c842781e32a215e';

export interface World {
  sandbox: Sandbox;
  github: GitHubApi;
  oidc: OidcIssuer;
  /** the checked-out repository (GITHUB_WORKSPACE) */
  workspace: string;
  dir: string;
  stop(): Promise<void>;
}

/** The iris example with its ACI (dev) and AKS (prod) environments, beside its model. */
function writeWorkspace(workspace: string) {
  const iris = join(repoRoot, 'examples/iris');
  mkdirSync(workspace, { recursive: true });
  cpSync(join(iris, 'model'), join(workspace, 'model'), { recursive: true });
  const text = readFileSync(join(iris, 'dove.yaml'), 'utf8');
  writeFileSync(join(workspace, 'dove.yaml'), text.slice(0, text.indexOf('  # Every IoT Edge device')));
}

export async function startWorld(
  o: { subject?: string; sandbox?: Partial<SandboxOptions>; oidcLifetimeSeconds?: number } = {},
): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'dove-action-'));
  const subject = o.subject ?? `repo:${REPO}:environment:dev`;
  const oidc = await startOidcIssuer({
    repository: REPO,
    subject,
    ...(o.oidcLifetimeSeconds ? { lifetimeSeconds: o.oidcLifetimeSeconds } : {}),
  });
  const sandbox = await startSandbox({
    stateDir: join(dir, 'sandbox'),
    preset: 'test',
    federatedCredentials: [{ name: 'github-dev', issuer: oidc.issuer, subject }],
    ...o.sandbox,
  });
  const github = await startGitHubApi();
  github.addRepo({ owner: 'acme', name: 'models', collaborators: { octocat: 'admin' } });
  const workspace = join(dir, 'workspace');
  writeWorkspace(workspace);
  return {
    sandbox,
    github,
    oidc,
    workspace,
    dir,
    async stop() {
      await sandbox.stop();
      await github.close();
      await oidc.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parses the GITHUB_OUTPUT file (`name<<delimiter` blocks, as @actions/core writes them). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([^<=]+)<<(.+)$/.exec(lines[i] as string);
    if (!m) continue;
    const [, name, delimiter] = m;
    const value: string[] = [];
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string);
    out[name as string] = value.join('\n');
  }
  return out;
}

/** Runs dist/index.js once. `inputs` use the action.yml names; the runner keeps their dashes. */
export async function runAction(
  world: World,
  o: {
    inputs: Record<string, string>;
    event: string;
    payload: unknown;
    oidc?: boolean;
    env?: Record<string, string>;
  },
): Promise<Run> {
  const run = mkdtempSync(join(world.dir, 'run-'));
  const eventPath = join(run, 'event.json');
  const outputPath = join(run, 'output');
  const summaryPath = join(run, 'summary.md');
  writeFileSync(eventPath, JSON.stringify(o.payload));
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  // What a runner passes: no NODE_OPTIONS from the test process, no source conditions.
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? run,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: o.event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_OUTPUT: outputPath,
    GITHUB_STEP_SUMMARY: summaryPath,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: SHA,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: world.workspace,
    GITHUB_API_URL: world.github.url,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '4242',
    GITHUB_ACTOR: 'octocat',
    RUNNER_TEMP: run,
    RUNNER_OS: 'Linux',
    ...(o.oidc === false
      ? {}
      : {
          ACTIONS_ID_TOKEN_REQUEST_URL: world.oidc.requestUrl,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: world.oidc.requestToken,
        }),
    ...o.env,
  };
  for (const [name, value] of Object.entries(o.inputs))
    env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  const child = spawn(process.execPath, [bundle], {
    cwd: world.workspace,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const code = await new Promise<number>((res) => child.on('close', (c) => res(c ?? -1)));
  return {
    code,
    stdout,
    stderr,
    outputs: parseOutputs(readFileSync(outputPath, 'utf8')),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

/** The inputs of an OIDC login to the sandbox, as a workflow step's `with:` gives them. */
export function oidcInputs(world: World): Record<string, string> {
  const s = world.sandbox.profile.sandbox;
  return {
    'client-id': s.clientId,
    'tenant-id': s.tenantId,
    'subscription-id': s.subscriptionId,
    cloud: world.sandbox.profilePath,
    'github-token': world.github.token,
  };
}

/** The values a run registered with `::add-mask::`. */
export function masked(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('::add-mask::'))
    .map((l) => l.slice('::add-mask::'.length).trim());
}

/** stdout without the `::add-mask::` lines (which the runner consumes and never shows). */
export function visible(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
}

/** A real webhook payload of GitHub's documentation, with our repository and the given parts. */
export function examplePayload(event: string, action: string | undefined, patch: Record<string, unknown>) {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as {
    name: string;
    examples: Record<string, unknown>[];
  }[];
  const list = examples.find((e) => e.name === event)?.examples ?? [];
  const base = structuredClone(list.find((e) => action === undefined || e.action === action) ?? list[0]);
  if (!base) throw new Error(`no ${event} example`);
  const repository = base.repository as Record<string, unknown>;
  Object.assign(repository, {
    name: 'models',
    full_name: REPO,
    owner: { login: 'acme', type: 'Organization' },
  });
  for (const [k, v] of Object.entries(patch))
    base[k] = typeof v === 'object' && v && !Array.isArray(v) ? { ...(base[k] as object), ...v } : v;
  return base;
}
