#!/usr/bin/env node
// Runs the TypeScript entry on Node 24 (which strips types), with the workspace's source condition.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`dove-sandbox needs Node 24 or newer; this is Node ${process.versions.node}.\n`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--conditions=@dove/source', join(here, 'dove-sandbox.ts'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
// Pass stop signals on; the child stops its processes and exits, then so do we.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
