// Starting, finding and stopping the background sandbox for `dove sandbox` and `dove demo`.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CloudProfile } from '@dove/deploy-core';
import { CliError, EXIT } from '../exit-codes.ts';
import { logFile, profileFile } from './paths.ts';

const daemon = join(dirname(fileURLToPath(import.meta.url)), 'daemon.ts');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The profile of the sandbox running from `dir`, or undefined (a stale profile is removed). */
export function runningSandbox(dir: string): CloudProfile | undefined {
  const file = profileFile(dir);
  if (!existsSync(file)) return undefined;
  let profile: CloudProfile;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8')) as CloudProfile;
  } catch {
    return undefined;
  }
  const pid = profile.sandbox?.pid;
  if (!pid || !isAlive(pid)) {
    rmSync(file, { force: true });
    return undefined;
  }
  return profile;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts the sandbox as a detached process and waits for its profile. */
export async function startDetached(
  dir: string,
  options: { preset: 'test' | 'demo'; timeoutMs?: number },
): Promise<{ profile: CloudProfile; started: boolean }> {
  const running = runningSandbox(dir);
  if (running) return { profile: running, started: false };
  mkdirSync(dir, { recursive: true });
  rmSync(profileFile(dir), { force: true });
  const out = openSync(logFile(dir), 'w');
  const child = spawn(
    process.execPath,
    ['--conditions=@dove/source', '--disable-warning=ExperimentalWarning', daemon, dir, options.preset],
    { detached: true, stdio: ['ignore', out, out], env: process.env },
  );
  closeSync(out);
  child.unref();
  const pid = child.pid ?? -1;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    const profile = runningSandbox(dir);
    if (profile?.sandbox?.pid === pid) return { profile, started: true };
    if (!isAlive(pid) || child.exitCode !== null)
      throw new CliError(
        `the sandbox exited while starting; its log (${logFile(dir)}) ends with:\n${tail(logFile(dir))}`,
        {
          exitCode: EXIT.failed,
          code: 'DOVE_SANDBOX_START_FAILED',
        },
      );
    await sleep(100);
  }
  killGroup(pid);
  throw new CliError(
    `the sandbox did not publish its profile within ${(options.timeoutMs ?? 90_000) / 1000} s`,
    {
      exitCode: EXIT.failed,
      code: 'DOVE_SANDBOX_START_FAILED',
      hint: `see ${logFile(dir)}`,
    },
  );
}

function killGroup(pid: number): void {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {}
  }
}

/** Stops the sandbox running from `dir` (and what it started). Returns false when none ran. */
export async function stopSandbox(dir: string, timeoutMs = 20_000): Promise<boolean> {
  const profile = runningSandbox(dir);
  if (!profile?.sandbox) return false;
  const pid = profile.sandbox.pid;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {}
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  // The daemon leads its own process group: whatever it started and left goes with it.
  killGroup(pid);
  rmSync(profileFile(dir), { force: true });
  return true;
}
