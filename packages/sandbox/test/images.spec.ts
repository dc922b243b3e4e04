import { expect, test } from 'vitest';
import { ImagePullError } from '../src/errors.ts';
import { defaultImages } from '../src/images/image-map.ts';
import { createImageRunner } from '../src/images/runner.ts';

const until = async (check: () => boolean | Promise<boolean>, what: string) => {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
};

test('a known image runs as a process that answers HTTP on its PORT', async () => {
  const runner = createImageRunner({ images: defaultImages });
  try {
    const c = runner.start('doveacr.azurecr.io/dove-examples/iris-scorer:1.0', {
      env: {},
      containerPort: 5001,
      name: 'iris',
    });
    await until(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${c.port}/`)).ok;
      } catch {
        return false;
      }
    }, 'the scorer to answer');
    const res = await fetch(`http://127.0.0.1:${c.port}/score`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ data: [[5.1, 3.5, 1.4, 0.2]] }),
    });
    expect(res.status).toBe(200);
    expect(c.state().state).toBe('Running');
    expect(c.logs().join('\n')).toContain('listening');
  } finally {
    await runner.stopAll();
  }
});

test('a crashing container is restarted with back-off, counted, and its logs kept', async () => {
  const runner = createImageRunner({
    images: {
      'test/crasher:*': {
        command: ['{node}', '-e', 'console.log("boom " + process.env.WHO); process.exit(3)'],
      },
    },
    backoffMs: 20,
    maxBackoffMs: 50,
  });
  try {
    const c = runner.start('test/crasher:1', { env: { WHO: 'me' }, containerPort: 80, name: 'crasher' });
    await until(() => c.state().restartCount >= 2, 'two restarts');
    const s = c.state();
    expect(s.exitCode).toBe(3);
    expect(c.logs()).toContain('boom me');
  } finally {
    await runner.stopAll();
  }
});

test('restart policy Never leaves the container Terminated with its exit code', async () => {
  const runner = createImageRunner({
    images: { 'test/once': { command: ['{node}', '-e', 'process.exit(4)'] } },
  });
  const c = runner.start('test/once', { env: {}, containerPort: 80, name: 'once', restartPolicy: 'Never' });
  await until(() => c.state().state === 'Terminated', 'termination');
  expect(c.state()).toMatchObject({ state: 'Terminated', exitCode: 4, restartCount: 0, reason: 'Error' });
  await runner.stopAll();
});

test('an unknown image is a pull error', () => {
  const runner = createImageRunner({ images: defaultImages });
  expect(() => runner.start('docker.io/nobody/nothing:1', { env: {}, containerPort: 80, name: 'x' })).toThrow(
    ImagePullError,
  );
});

test('a container whose port is taken moves to another port on restart', async () => {
  const { createServer } = await import('node:net');
  const runner = createImageRunner({ images: defaultImages, backoffMs: 10 });
  const blockers: import('node:net').Server[] = [];
  try {
    const c = runner.start('x/dove-examples/iris-scorer:1', { env: {}, containerPort: 5001, name: 'iris' });
    const first = c.port;
    await c.stop();
    // Take the port, then start a container that is given the same one by forcing the pick.
    const blocker = createServer();
    blockers.push(blocker);
    await new Promise<void>((r) => blocker.listen(first, '127.0.0.1', () => r()));
    const random = Math.random;
    // +0.5 keeps floating point from landing one port below.
    Math.random = () => (first - 20000 + 0.5) / 12000;
    let d: ReturnType<typeof runner.start>;
    try {
      d = runner.start('x/dove-examples/iris-scorer:1', { env: {}, containerPort: 5001, name: 'iris2' });
    } finally {
      Math.random = random;
    }
    expect(d.port).toBe(first);
    await until(async () => {
      try {
        return (await fetch(`http://127.0.0.1:${d.port}/`, { signal: AbortSignal.timeout(300) })).ok;
      } catch {
        return false;
      }
    }, 'the scorer to answer on a new port');
    expect(d.port).not.toBe(first);
    expect(d.state().restartCount).toBeGreaterThanOrEqual(1);
  } finally {
    await runner.stopAll();
    for (const b of blockers) b.close();
  }
});
