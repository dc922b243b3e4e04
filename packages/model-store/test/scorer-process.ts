import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type ModelStoreLocation, openContainer } from '../src/index.ts';

// The example scoring server downloads its model from the store at start and checks every
// file's sha256 against the manifest: these helpers run it as a real process.
const server = fileURLToPath(new URL('../../../examples/iris/server/server.ts', import.meta.url));
export const irisModel = fileURLToPath(new URL('../../../examples/iris/model', import.meta.url));

/** Runs the scorer until it listens (then stops it) or exits; returns its output and exit code. */
export function runScorer(extraEnv: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [server], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`scorer neither listened nor exited:\n${out}`));
    }, 20_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('listening on')) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** The scorer serves the stored version, then refuses it once a file is changed behind the store's back. */
export async function expectTamperRefused(scorerEnv: Record<string, string>, store: ModelStoreLocation) {
  const good = await runScorer(scorerEnv);
  expect(good.out).toContain('model iris-classifier 1.0.0 loaded');
  expect(good.out).toContain('listening on');

  // Someone rewrites a committed file behind the store's back: same name, different bytes.
  const blob = openContainer(store).getBlockBlobClient('iris-classifier/1.0.0/model.json');
  const original = (await blob.downloadToBuffer()).toString();
  const tampered = original.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
  await blob.upload(tampered, Buffer.byteLength(tampered));

  const bad = await runScorer(scorerEnv);
  expect(bad.code).toBe(1);
  expect(bad.out).toContain('refusing to serve');
  expect(bad.out).toContain('corrupt model file model.json');
  expect(bad.out).not.toContain('listening on');
  // Nothing secret in what it printed.
  expect(bad.out).not.toMatch(/sig=/);
}
