import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';
import { MANIFEST_FILE } from './names.ts';

/** One file of a model folder on disk. */
export interface LocalFile {
  /** Path inside the version folder, `/`-separated. */
  path: string;
  absolutePath: string;
  size: number;
}

/** Every regular file under `root` (a file alone is a one-file model), sorted by path. */
export async function listLocalFiles(root: string): Promise<LocalFile[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch {
    throw new ModelStoreError(MODEL_STORE_ERRORS.badModel, `model path ${root} does not exist`, {
      hint: 'Set model.path in the spec to a file or folder relative to the spec file',
    });
  }
  if (info.isFile()) {
    const name = root.split(sep).pop() as string;
    return [{ path: name, absolutePath: root, size: info.size }];
  }
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files: LocalFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const absolutePath = join(entry.parentPath, entry.name);
    const path = relative(root, absolutePath).split(sep).join('/');
    files.push({ path, absolutePath, size: (await stat(absolutePath)).size });
  }
  if (files.length === 0)
    throw new ModelStoreError(MODEL_STORE_ERRORS.badModel, `model path ${root} holds no files`, {
      hint: 'Point model.path at the folder holding the trained model files',
    });
  if (files.some((f) => f.path === MANIFEST_FILE))
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.badModel,
      `model path ${root} holds a top-level ${MANIFEST_FILE}, a name the store keeps for its own manifest`,
      { hint: `Rename that file or move it into a sub-folder` },
    );
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
