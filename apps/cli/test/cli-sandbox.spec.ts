import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { dove } from './helpers/dove.ts';

const dir = mkdtempSync(join(tmpdir(), 'dove-cli-sandbox-'));
const env = { DOVE_SANDBOX_DIR: dir };

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(async () => {
  await dove(['sandbox', 'stop'], { env });
  rmSync(dir, { recursive: true, force: true });
});

describe('dove sandbox start | status | stop', () => {
  test('start runs it in the background, status reports it, stop leaves no process behind', async () => {
    const before = await dove(['sandbox', 'status', '--json'], { env });
    expect(JSON.parse(before.stdout)).toEqual({ running: false });

    const start = await dove(['sandbox', 'start', '--json'], { env });
    expect(start.code).toBe(0);
    const started = JSON.parse(start.stdout) as {
      running: boolean;
      started: boolean;
      pid: number;
      armEndpoint: string;
    };
    expect(started).toMatchObject({ running: true, started: true });
    expect(alive(started.pid)).toBe(true);

    // The sandbox really answers: its ARM endpoint serves TLS with the sandbox's CA.
    const status = JSON.parse((await dove(['sandbox', 'status', '--json'], { env })).stdout) as {
      running: boolean;
      pid: number;
      resourceGroups: string[];
      storage: string | null;
    };
    expect(status).toMatchObject({ running: true, pid: started.pid, resourceGroups: ['dove-sandbox'] });

    const second = JSON.parse((await dove(['sandbox', 'start', '--json'], { env })).stdout) as {
      started: boolean;
      pid: number;
    };
    expect(second).toMatchObject({ started: false, pid: started.pid });

    const human = await dove(['sandbox', 'status'], { env });
    expect(human.stdout).toContain(`sandbox running (pid ${started.pid})`);

    const stop = await dove(['sandbox', 'stop', '--json'], { env });
    expect(JSON.parse(stop.stdout)).toEqual({ running: false, stopped: true });
    expect(alive(started.pid)).toBe(false);
    // Nothing from its process group (Azurite, containers) is left either.
    expect(alive(-started.pid)).toBe(false);
    expect(JSON.parse((await dove(['sandbox', 'status', '--json'], { env })).stdout)).toEqual({
      running: false,
    });
  }, 120_000);
});
