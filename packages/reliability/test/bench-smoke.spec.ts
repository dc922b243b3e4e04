// The benchmark runner's own smoke test: `tools/bench/run.ts --quick --only noop` runs a real
// scenario against a sandbox and writes results.json and RESULTS.md with the machine described.
// No timing is asserted: only that the run completes and says what it measured.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('npm run bench -- --quick --only noop: a table, results.json and RESULTS.md', async () => {
  const out = mkdtempSync(join(tmpdir(), 'dove-bench-smoke-'));
  try {
    const { stdout } = await run(
      process.execPath,
      [
        '--conditions=@dove/source',
        '--disable-warning=ExperimentalWarning',
        'tools/bench/run.ts',
        '--quick',
        '--only',
        'noop',
        '--out',
        out,
      ],
      { cwd: root, timeout: 150_000, maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toMatch(/1\/1 scenarios ran/);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.options).toMatchObject({ quick: true, only: ['noop'] });
    expect(results.machine).toMatchObject({ node: process.version, cpuCount: expect.any(Number) });
    expect(results.machine.gitSha).toMatch(/^[0-9a-f]{40}$/);
    expect(results.scenarios).toEqual([expect.objectContaining({ id: 'noop', ok: true })]);
    const requestRows = results.rows.filter((r: { name: string }) => r.name.includes('requests of a no-op'));
    expect(requestRows.length).toBeGreaterThanOrEqual(3);
    for (const r of requestRows) expect(r.note).toMatch(/^writes 0/);
    const md = readFileSync(join(out, 'RESULTS.md'), 'utf8');
    expect(md).toContain('2. No-op redeploy');
    expect(md).toContain('## Machine');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('an unknown scenario id is refused with the known ones', async () => {
  const err = (await run(
    process.execPath,
    [
      '--conditions=@dove/source',
      '--disable-warning=ExperimentalWarning',
      'tools/bench/run.ts',
      '--only',
      'nope',
    ],
    { cwd: root, timeout: 60_000 },
  ).catch((e: unknown) => e)) as { code: number; stderr: string };
  expect(err.code).toBe(2);
  expect(err.stderr).toMatch(/unknown scenario id\(s\): nope; known: .*noop/);
});
