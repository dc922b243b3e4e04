import type { ContainerClient } from '@azure/storage-blob';
import { type ModelStoreLocation, openContainer } from './container.ts';
import type { ModelManifest } from './manifest.ts';
import { checkModelName, MANIFEST_FILE, versionPrefix } from './names.ts';
import { readManifest } from './upload.ts';

export interface StoredVersion {
  name: string;
  version: string;
  createdAt: string;
  files: number;
  bytes: number;
  specHash: string;
  gitSha?: string;
  releaseTag?: string;
}

export interface ListModelsOptions {
  store: ModelStoreLocation;
  /** Only this model. */
  name?: string;
  signal?: AbortSignal;
}

/** Complete versions (those with a manifest), newest first within each model. */
export async function listModels(options: ListModelsOptions): Promise<StoredVersion[]> {
  const container = openContainer(options.store);
  if (options.name) checkModelName(options.name);
  if (!(await container.exists({ abortSignal: options.signal }))) return [];
  const found: StoredVersion[] = [];
  for (const { name, version } of await manifestNames(container, options.name, options.signal)) {
    const manifest = await readManifest(container, name, version, options.signal);
    if (manifest) found.push(summarise(manifest));
  }
  return found.sort((a, b) =>
    a.name !== b.name
      ? a.name < b.name
        ? -1
        : 1
      : a.createdAt < b.createdAt
        ? 1
        : a.createdAt > b.createdAt
          ? -1
          : 0,
  );
}

async function manifestNames(
  container: ContainerClient,
  name: string | undefined,
  signal?: AbortSignal,
): Promise<{ name: string; version: string }[]> {
  const out: { name: string; version: string }[] = [];
  for await (const blob of container.listBlobsFlat({
    prefix: name ? `${name}/` : undefined,
    abortSignal: signal,
  })) {
    const parts = blob.name.split('/');
    if (parts.length === 3 && parts[2] === MANIFEST_FILE) out.push({ name: parts[0], version: parts[1] });
  }
  return out;
}

function summarise(m: ModelManifest): StoredVersion {
  return {
    name: m.model,
    version: m.version,
    createdAt: m.createdAt,
    files: m.files.length,
    bytes: m.files.reduce((n, f) => n + f.size, 0),
    specHash: m.specHash,
    ...(m.gitSha ? { gitSha: m.gitSha } : {}),
    ...(m.releaseTag ? { releaseTag: m.releaseTag } : {}),
  };
}

export interface PruneModelsOptions {
  store: ModelStoreLocation;
  /** Newest complete versions to keep per model (besides the served ones). */
  keep: number;
  /**
   * Versions a target still serves, as `version` (any model) or `name/version`: never deleted,
   * nor the versions forced from them (`<version>-<8 hex>`), which a target reports by the
   * spec's version.
   */
  inUse: Iterable<string>;
  name?: string;
  /** Report what would be deleted without deleting. */
  dryRun?: boolean;
  signal?: AbortSignal;
}

export interface PruneResult {
  deleted: StoredVersion[];
  kept: (StoredVersion & { reason: 'newest' | 'in-use' })[];
  blobsDeleted: number;
}

/**
 * Deletes old versions, keeping the newest `keep` per model and every served version. The
 * manifest goes first, so a half-deleted version is never visible as complete.
 */
export async function pruneModels(options: PruneModelsOptions): Promise<PruneResult> {
  if (!Number.isInteger(options.keep) || options.keep < 0)
    throw new RangeError(`keep must be a whole number >= 0 (got ${options.keep})`);
  const container = openContainer(options.store);
  const inUse = new Set(options.inUse);
  const versions = await listModels({ store: options.store, name: options.name, signal: options.signal });
  const result: PruneResult = { deleted: [], kept: [], blobsDeleted: 0 };
  const seen = new Map<string, number>();
  for (const v of versions) {
    if (isServed(v, inUse)) {
      result.kept.push({ ...v, reason: 'in-use' });
      continue;
    }
    const rank = seen.get(v.name) ?? 0;
    seen.set(v.name, rank + 1);
    if (rank < options.keep) result.kept.push({ ...v, reason: 'newest' });
    else result.deleted.push(v);
  }
  if (options.dryRun) return result;
  for (const v of result.deleted) {
    const prefix = versionPrefix(v.name, v.version);
    await container.deleteBlob(prefix + MANIFEST_FILE, { abortSignal: options.signal });
    result.blobsDeleted++;
    for await (const blob of container.listBlobsFlat({ prefix, abortSignal: options.signal })) {
      await container
        .deleteBlob(blob.name, { abortSignal: options.signal })
        .catch((err: { statusCode?: number }) => {
          if (err.statusCode !== 404) throw err;
        });
      result.blobsDeleted++;
    }
  }
  return result;
}

function isServed(v: StoredVersion, inUse: Set<string>): boolean {
  const forcedFrom = /^(.+)-[0-9a-f]{8}$/.exec(v.version)?.[1];
  return [v.version, forcedFrom].some(
    (version) => version !== undefined && (inUse.has(version) || inUse.has(`${v.name}/${version}`)),
  );
}
