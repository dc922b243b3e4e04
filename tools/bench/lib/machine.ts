// What the figures were measured on, so results from different machines are not compared blind.
import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  ramGB: number;
  freeRamGB: number;
  loadAverage1m: number;
  os: string;
  node: string;
  date: string;
  gitSha: string;
  gitDirty: boolean;
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

export function describeMachine(root: string): Machine {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cpuCount: c.length,
    ramGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeRamGB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    os: `${type()} ${release()} ${process.arch}`,
    node: process.version,
    date: new Date().toISOString(),
    gitSha: git(root, ['rev-parse', 'HEAD']) || 'unknown',
    gitDirty: git(root, ['status', '--porcelain', '--untracked-files=no']) !== '',
  };
}
