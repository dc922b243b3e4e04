import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('dove-sandbox starts, writes its profile, serves, and stops on SIGTERM leaving no process behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-bin-'));
  const bin = join(import.meta.dirname, '../bin/dove-sandbox.mjs');
  const child = spawn(process.execPath, [bin, '--state-dir', dir, '--preset', 'test'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    out += c;
  });
  try {
    for (let i = 0; i < 300 && !out.includes('Press Ctrl-C'); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('Press Ctrl-C');
    const profile = JSON.parse(readFileSync(join(dir, 'profile.json'), 'utf8'));
    expect(out).toContain(profile.armEndpoint);
    const sandboxPid: number = profile.sandbox.pid;
    const storage = await fetch(`${profile.sandbox.storage.blobEndpoint}?comp=list`);
    expect(storage.status).toBeLessThan(500);
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('stopped');
    expect(alive(sandboxPid)).toBe(false);
    await expect(fetch(`${profile.sandbox.storage.blobEndpoint}?comp=list`)).rejects.toThrow();
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
