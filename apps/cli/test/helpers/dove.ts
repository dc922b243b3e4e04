import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './iris-server.ts';

export const doveBin = join(repoRoot, 'apps', 'cli', 'bin', 'dove.js');

export interface DoveRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `dove` launcher as a subprocess. */
export function dove(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number } = {},
): Promise<DoveRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [doveBin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dove ${args.join(' ')} did not finish in time:\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
