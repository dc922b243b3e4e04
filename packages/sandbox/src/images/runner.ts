import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { ImagePullError } from '../errors.ts';
import type { ContainerProcess, ImageRunner } from '../types.ts';
import { type ImageMap, repoRoot, resolveImage } from './image-map.ts';

export interface ImageRunnerOptions {
  images: ImageMap;
  /** First back-off after a crash; doubles per restart up to `maxBackoffMs` (kube: 10 s .. 5 min). */
  backoffMs?: number;
  maxBackoffMs?: number;
  log?(line: string): void;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

const MAX_LOG_LINES = 2000;
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** The last resort: whatever way the sandbox process ends, no container process outlives it. */
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of live) c.kill('SIGKILL');
  });
  // A signal with no other listener would end Node without 'exit': end it through exit instead.
  // When the host program listens (e.g. dove-sandbox stopping cleanly), it decides.
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.on(sig, () => {
      if (process.listenerCount(sig) === 1) process.exit(code);
    });
  }
}

/**
 * Ports below Linux's ephemeral range (32768+) so outgoing connections never hold them; `start`
 * is synchronous, so a port is chosen rather than asked of the kernel.
 */
const usedPorts = new Set<number>();
function pickPort(): number {
  for (;;) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (!usedPorts.has(p)) {
      usedPorts.add(p);
      return p;
    }
  }
}

export function createImageRunner(options: ImageRunnerOptions): ImageRunner {
  installExitHook();
  const containers = new Set<ContainerProcess>();
  const backoffMs = options.backoffMs ?? 500;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;

  return {
    start(image, o) {
      const cmd = resolveImage(options.images, image);
      if (!cmd) throw new ImagePullError(image);
      let port = pickPort();
      const policy = o.restartPolicy ?? 'Always';
      const lines: string[] = [];
      let child: ChildProcess | undefined;
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      let restartCount = 0;
      // Kept while Running again, like kube's lastState.terminated.exitCode.
      let lastExit: number | undefined;
      let st: ReturnType<ContainerProcess['state']> = {
        state: 'Waiting',
        restartCount: 0,
        reason: 'ContainerCreating',
      };
      const push = (text: string) => {
        for (const l of text.split('\n')) if (l !== '') lines.push(l);
        if (lines.length > MAX_LOG_LINES) lines.splice(0, lines.length - MAX_LOG_LINES);
      };
      const run = () => {
        const [first, ...args] = cmd.command.map((a) => (a === '{node}' ? process.execPath : a));
        if (!first) throw new Error(`The images map entry for ${image} has an empty command`);
        const c = spawn(first, args, {
          cwd: resolve(repoRoot, cmd.cwd ?? '.'),
          env: { PATH: process.env.PATH ?? '', ...cmd.env, ...o.env, PORT: String(port) },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child = c;
        live.add(c);
        c.stdout?.setEncoding('utf8').on('data', push);
        c.stderr?.setEncoding('utf8').on('data', push);
        st = { state: 'Running', restartCount, ...(lastExit === undefined ? {} : { exitCode: lastExit }) };
        c.on('error', (err) => push(`failed to start: ${err.message}`));
        c.on('exit', (code, signal) => {
          live.delete(c);
          child = undefined;
          const exitCode = code ?? (signal ? 128 + 15 : 1);
          lastExit = exitCode;
          if (stopped) {
            st = { state: 'Terminated', restartCount, exitCode, reason: 'Completed' };
            return;
          }
          const again = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
          if (!again) {
            st = {
              state: 'Terminated',
              restartCount,
              exitCode,
              reason: exitCode === 0 ? 'Completed' : 'Error',
            };
            return;
          }
          // The port was chosen, not given by the kernel: if something else held it, take another.
          if (lines.slice(-20).some((l) => l.includes('EADDRINUSE'))) {
            usedPorts.delete(port);
            port = pickPort();
          }
          const wait = Math.min(maxBackoffMs, backoffMs * 2 ** restartCount);
          restartCount++;
          st = { state: 'Waiting', restartCount, exitCode, reason: 'CrashLoopBackOff' };
          options.log?.(`${o.name}: exited with ${exitCode}; restarting in ${wait} ms`);
          timer = setTimeout(run, wait);
        });
      };
      run();
      const proc: ContainerProcess = {
        get port() {
          return port;
        },
        logs: () => [...lines],
        state: () => ({ ...st }),
        async stop() {
          stopped = true;
          if (timer) clearTimeout(timer);
          const c = child;
          if (c && c.exitCode === null && c.signalCode === null) {
            await new Promise<void>((done) => {
              const kill = setTimeout(() => c.kill('SIGKILL'), 3000);
              c.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              c.kill('SIGTERM');
            });
          }
          if (st.state !== 'Terminated')
            st = { state: 'Terminated', restartCount, exitCode: 0, reason: 'Completed' };
          usedPorts.delete(port);
          containers.delete(proc);
        },
      };
      containers.add(proc);
      return proc;
    },
    async stopAll() {
      await Promise.all([...containers].map((c) => c.stop()));
    },
  };
}
