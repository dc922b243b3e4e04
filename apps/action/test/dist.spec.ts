// The committed bundle is what the runner executes: it must be exactly what the sources build.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { bundle, repoRoot } from './harness.ts';

test('apps/action/dist/index.js is up to date with the sources (rebuild gives the same bytes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-action-dist-'));
  try {
    const out = join(dir, 'index.js');
    const r = spawnSync(process.execPath, ['tools/build-action.mjs', '--outfile', out], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const fresh = readFileSync(out);
    const committed = readFileSync(bundle);
    const same = fresh.equals(committed);
    expect(
      same,
      'apps/action/dist/index.js is stale: run `npm run bundle -w @dove/action` (or `node tools/build-action.mjs`) and commit apps/action/dist/index.js',
    ).toBe(true);
    // Deterministic and relocatable: no absolute path of this machine in it.
    expect(committed.includes(Buffer.from(repoRoot))).toBe(false);
    expect(committed.includes(Buffer.from(dir))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('action.yml runs the bundle on node24', () => {
  const yml = readFileSync(join(repoRoot, 'action.yml'), 'utf8');
  expect(yml).toMatch(/^runs:\n {2}using: node24\n {2}main: apps\/action\/dist\/index\.js$/m);
});
