import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
export const irisDir = join(repoRoot, 'examples', 'iris');

export interface RunningServer {
  url: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the example scoring server on a free loopback port and waits until it listens. */
export function startIrisServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const child = spawn(process.execPath, [join(irisDir, 'server', 'server.ts')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    });
  return new Promise((ok, fail) => {
    const timer = setInterval(() => {
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearInterval(timer);
        ok({ url: `http://127.0.0.1:${m[1]}`, child, output: () => out, stop });
      }
    }, 20);
    child.once('exit', (code) => {
      clearInterval(timer);
      fail(Object.assign(new Error(`server exited with code ${code}:\n${out}`), { code, output: out }));
    });
  });
}

/** Runs the server expecting it to exit; resolves with its exit code and output. */
export function runIrisServerToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return startIrisServer(env).then(
    async (s) => {
      await s.stop();
      throw new Error(`server started but was expected to exit:\n${s.output()}`);
    },
    (err: { code: number | null; output: string }) => ({ code: err.code, output: err.output }),
  );
}
