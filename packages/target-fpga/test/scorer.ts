import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The example scoring server (examples/fpga), run as a real process the way the sandbox runs it.
export const scorerScript = fileURLToPath(
  new URL('../../../examples/fpga/server/server.ts', import.meta.url),
);
export const featurizerDir = fileURLToPath(new URL('../../../examples/fpga/model', import.meta.url));
export const irisDir = fileURLToPath(new URL('../../../examples/iris/model', import.meta.url));

export interface RunningScorer {
  address: string;
  out: () => string;
  stop(): Promise<void>;
}

/** Starts the scorer; resolves once it listens, or rejects with its output when it exits first. */
export function startScorer(env: Record<string, string>): Promise<RunningScorer> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, ['--conditions=@dove/source', scorerScript], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scorer neither listened nor exited:\n${out}`));
    }, 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const m = /listening on grpcs?:\/\/([\d.]+):(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({
          address: `${m[1]}:${m[2]}`,
          out: () => out,
          stop: () =>
            new Promise((r) => {
              if (child.exitCode !== null) return r();
              child.once('exit', () => r());
              child.kill('SIGKILL');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`scorer exited with ${code}:\n${out}`), { code, out }));
    });
  });
}
