import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type AzuriteBlob, startAzurite } from '@dove/testkit';
import { afterAll, beforeAll } from 'vitest';
import type { ModelStoreLocation } from '../src/index.ts';

/** Starts one Azurite for the spec file and removes it (and temp folders) afterwards. */
export function useAzurite(): {
  azurite: () => AzuriteBlob;
  store: (container?: string) => ModelStoreLocation;
  tmp: () => Promise<string>;
} {
  let azurite: AzuriteBlob | undefined;
  const dirs: string[] = [];
  let n = 0;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    azurite: () => azurite as AzuriteBlob,
    store: (container = `models-${++n}`) => ({
      connectionString: (azurite as AzuriteBlob).connectionString,
      container,
    }),
    tmp: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'model-store-'));
      dirs.push(dir);
      return dir;
    },
  };
}

/** Writes files (path → content, or a byte count for random bytes) under `root`. */
export async function writeModel(root: string, files: Record<string, string | number>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    const abs = join(root, path);
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, typeof content === 'number' ? randomBytes(content) : content);
  }
  return root;
}
