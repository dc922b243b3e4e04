import { createHash } from 'node:crypto';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';

export interface ManifestFile {
  path: string;
  size: number;
  sha256: string;
}

/** Written last under `<name>/<version>/manifest.json`: a version exists once this exists. */
export interface ModelManifest {
  model: string;
  version: string;
  files: ManifestFile[];
  specHash: string;
  gitSha?: string;
  releaseTag?: string;
  createdAt: string;
}

/** True when both lists name the same paths with the same sizes and hashes. */
export function sameFiles(a: readonly ManifestFile[], b: readonly ManifestFile[]): boolean {
  if (a.length !== b.length) return false;
  const byPath = new Map(b.map((f) => [f.path, f]));
  return a.every((f) => {
    const other = byPath.get(f.path);
    return other !== undefined && other.size === f.size && other.sha256 === f.sha256;
  });
}

/** One hash for a whole file set (order-independent): names a forced new version. */
export function contentHash(files: readonly ManifestFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((x, y) => (x.path < y.path ? -1 : 1)))
    hash.update(`${f.path}\0${f.size}\0${f.sha256}\n`);
  return hash.digest('hex');
}

/** What changed between a stored version and the local files, for the refusal message. */
export function describeDifference(stored: readonly ManifestFile[], local: readonly ManifestFile[]): string {
  const s = new Map(stored.map((f) => [f.path, f]));
  const l = new Map(local.map((f) => [f.path, f]));
  const parts: string[] = [];
  for (const [path, f] of l) {
    const old = s.get(path);
    if (!old) parts.push(`${path} added`);
    else if (old.sha256 !== f.sha256) parts.push(`${path} changed`);
  }
  for (const path of s.keys()) if (!l.has(path)) parts.push(`${path} removed`);
  return parts.slice(0, 5).join(', ') + (parts.length > 5 ? `, and ${parts.length - 5} more` : '');
}

export function parseManifest(text: string, where: string): ModelManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.badManifest,
      `${where} is not valid JSON: ${(err as Error).message}`,
    );
  }
  const m = value as Partial<ModelManifest>;
  const problem =
    typeof value !== 'object' || value === null
      ? 'it is not a JSON object'
      : typeof m.model !== 'string' || typeof m.version !== 'string'
        ? 'model and version must be strings'
        : !Array.isArray(m.files)
          ? 'files must be a list'
          : m.files.findIndex(
                (f) =>
                  typeof f?.path !== 'string' ||
                  typeof f.size !== 'number' ||
                  !/^[0-9a-f]{64}$/.test(f.sha256),
              ) >= 0
            ? 'every file needs a path, a size and a hex sha256'
            : typeof m.createdAt !== 'string'
              ? 'createdAt must be an ISO date'
              : undefined;
  if (problem)
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.badManifest,
      `${where} is not a model manifest: ${problem}`,
      {
        hint: 'Manifests are written by Dove only; delete this version folder and upload the version again',
      },
    );
  return value as ModelManifest;
}
