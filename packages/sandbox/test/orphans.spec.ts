import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

test('a program that starts a sandbox and is killed by SIGTERM without handling it leaves no process behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-orphans-'));
  const script = join(dir, 'host.ts');
  const sandboxModule = join(import.meta.dirname, '../src/sandbox.ts');
  writeFileSync(
    script,
    `import { writeFileSync } from 'node:fs';
import { startSandbox } from ${JSON.stringify(sandboxModule)};
const sb = await startSandbox({ stateDir: ${JSON.stringify(join(dir, 'state'))}, images: { 'test/sleeper': { command: ['{node}', '-e', 'setInterval(() => {}, 1000)'] } } });
const c = sb.ctx.images.start('test/sleeper', { env: {}, containerPort: 80, name: 'sleeper' });
await new Promise((r) => setTimeout(r, 300));
writeFileSync(${JSON.stringify(join(dir, 'ready.json'))}, JSON.stringify({ blob: sb.profile.sandbox.storage.blobEndpoint, port: c.port }));
setInterval(() => {}, 1000);
`,
  );
  const child = spawn(process.execPath, ['--conditions=@dove/source', script], { stdio: 'ignore' });
  try {
    let ready: { blob: string } | undefined;
    for (let i = 0; i < 300 && !ready; i++) {
      await new Promise((r) => setTimeout(r, 50));
      try {
        ready = JSON.parse(readFileSync(join(dir, 'ready.json'), 'utf8'));
      } catch {}
    }
    if (!ready) throw new Error('the host program did not start its sandbox');
    const pids = (await import('node:child_process'))
      .execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
    expect(pids.length).toBeGreaterThanOrEqual(2); // Azurite and the sleeper
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    for (let i = 0; i < 40 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pids.filter(alive)).toEqual([]);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
