import type { ContainerClient } from '@azure/storage-blob';
import { uploadFileInBlocks } from './blocks.ts';
import { type ModelStoreLocation, openContainer } from './container.ts';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';
import { type LocalFile, listLocalFiles, sha256File } from './files.ts';
import {
  contentHash,
  describeDifference,
  type ManifestFile,
  type ModelManifest,
  parseManifest,
  sameFiles,
} from './manifest.ts';
import { MANIFEST_FILE, versionPrefix } from './names.ts';

export interface UploadProgress {
  phase: 'hashing' | 'uploading' | 'committing' | 'done';
  /** The file being worked on, when there is one. */
  file?: string;
  /** Bytes sent to the service so far. */
  bytesUploaded: number;
  /** Bytes already in the store (staged blocks or committed files of an earlier attempt). */
  bytesReused: number;
  totalBytes: number;
}

export interface UploadModelOptions {
  store: ModelStoreLocation;
  model: { name: string; version: string; path: string };
  /** Hash of the deployment spec that asked for this upload (kept in the manifest). */
  specHash: string;
  gitSha?: string;
  releaseTag?: string;
  /**
   * When the version exists with different bytes, store these bytes as a new version
   * `<version>-<first 8 hex of the content hash>` instead of refusing.
   */
  force?: boolean;
  /** Block size for large files (default 8 MiB; the service allows up to 4000 MiB). */
  blockSize?: number;
  /** Blocks staged at once (default 4). */
  concurrency?: number;
  onProgress?(progress: UploadProgress): void;
  signal?: AbortSignal;
}

export interface UploadModelResult {
  name: string;
  /** The version stored: the one asked for, or the forced new one. */
  version: string;
  /** `created`: this call wrote the version; `unchanged`: an identical version was there. */
  status: 'created' | 'unchanged';
  manifest: ModelManifest;
  /** Blob name of the manifest. */
  manifestBlob: string;
  bytesUploaded: number;
  bytesReused: number;
  totalBytes: number;
}

const DEFAULT_BLOCK = 8 * 1024 * 1024;
const MIN_BLOCK = 64 * 1024;

/**
 * Uploads a model folder as `<name>/<version>/...` and writes `manifest.json` last, so a
 * version is visible only once complete. An identical stored version uploads nothing;
 * different bytes under a stored version are refused (versions are immutable).
 */
export async function uploadModel(options: UploadModelOptions): Promise<UploadModelResult> {
  const { model, signal } = options;
  const blockSize = Math.max(MIN_BLOCK, Math.floor(options.blockSize ?? DEFAULT_BLOCK));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  versionPrefix(model.name, model.version);
  const container = openContainer(options.store);
  const local = await listLocalFiles(model.path);
  const totalBytes = local.reduce((n, f) => n + f.size, 0);
  const progress: UploadProgress = { phase: 'hashing', bytesUploaded: 0, bytesReused: 0, totalBytes };
  const report = (patch: Partial<UploadProgress>) => {
    Object.assign(progress, patch);
    options.onProgress?.({ ...progress });
  };

  const hashed: (LocalFile & { sha256: string })[] = [];
  for (const file of local) {
    report({ file: file.path });
    hashed.push({ ...file, sha256: await sha256File(file.absolutePath, signal) });
  }
  const files: ManifestFile[] = hashed.map(({ path, size, sha256 }) => ({ path, size, sha256 }));

  let version = model.version;
  let stored = await readManifest(container, model.name, version, signal);
  if (stored && !sameFiles(stored.files, files)) {
    if (!options.force)
      throw new ModelStoreError(
        MODEL_STORE_ERRORS.versionExists,
        `model ${model.name} version ${version} already exists in the store with different files (${describeDifference(stored.files, files)})`,
        {
          hint: 'Versions are immutable: give the model a new version (model.version in the spec, or a new release tag), or pass --force-new-version to store these files as a new version',
        },
      );
    version = `${model.version}-${contentHash(files).slice(0, 8)}`;
    stored = await readManifest(container, model.name, version, signal);
    if (stored && !sameFiles(stored.files, files))
      throw new ModelStoreError(
        MODEL_STORE_ERRORS.versionExists,
        `model ${model.name} version ${version} (the forced new version) already exists with different files`,
        { hint: 'Give the model a new version in the spec' },
      );
  }
  if (stored) {
    report({ phase: 'done', file: undefined, bytesReused: totalBytes });
    return result(model.name, version, 'unchanged', stored, progress);
  }

  await ensureContainer(container, signal);
  const prefix = versionPrefix(model.name, version);
  for (const file of hashed) {
    report({ phase: 'uploading', file: file.path });
    const blob = container.getBlockBlobClient(prefix + file.path);
    if (await alreadyCommitted(blob, file, signal)) {
      report({ bytesReused: progress.bytesReused + file.size });
      continue;
    }
    await uploadFileInBlocks(blob, file, {
      sha256: file.sha256,
      blockSize,
      concurrency,
      signal,
      metadata: { sha256: file.sha256 },
      contentType: contentTypeOf(file.path),
      onBlock: (bytes, reused) =>
        reused
          ? report({ bytesReused: progress.bytesReused + bytes })
          : report({ bytesUploaded: progress.bytesUploaded + bytes }),
    });
  }

  report({ phase: 'committing', file: MANIFEST_FILE });
  const manifest: ModelManifest = {
    model: model.name,
    version,
    files,
    specHash: options.specHash,
    ...(options.gitSha ? { gitSha: options.gitSha } : {}),
    ...(options.releaseTag ? { releaseTag: options.releaseTag } : {}),
    createdAt: new Date().toISOString(),
  };
  const written = await writeManifest(container, manifest, signal);
  if (written !== manifest) {
    // Someone else completed this version first: fine when it holds the same bytes.
    if (!sameFiles(written.files, files))
      throw new ModelStoreError(
        MODEL_STORE_ERRORS.versionExists,
        `model ${model.name} version ${version} was just stored by another upload with different files`,
        { hint: 'Give the model a new version, or pass --force-new-version' },
      );
    report({ phase: 'done', file: undefined });
    return result(model.name, version, 'unchanged', written, progress);
  }
  report({ phase: 'done', file: undefined });
  return result(model.name, version, 'created', manifest, progress);
}

function result(
  name: string,
  version: string,
  status: UploadModelResult['status'],
  manifest: ModelManifest,
  progress: UploadProgress,
): UploadModelResult {
  return {
    name,
    version,
    status,
    manifest,
    manifestBlob: versionPrefix(name, version) + MANIFEST_FILE,
    bytesUploaded: progress.bytesUploaded,
    bytesReused: progress.bytesReused,
    totalBytes: progress.totalBytes,
  };
}

/** The manifest of a complete version, or undefined when the version is absent or incomplete. */
export async function readManifest(
  container: ContainerClient,
  name: string,
  version: string,
  signal?: AbortSignal,
): Promise<ModelManifest | undefined> {
  const blobName = versionPrefix(name, version) + MANIFEST_FILE;
  try {
    const bytes = await container.getBlobClient(blobName).downloadToBuffer(undefined, undefined, {
      abortSignal: signal,
    });
    return parseManifest(bytes.toString('utf8'), `${container.containerName}/${blobName}`);
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    if (code === 404) return undefined;
    throw err;
  }
}

/** Writes the manifest only if none exists; returns the manifest that is stored afterwards. */
async function writeManifest(
  container: ContainerClient,
  manifest: ModelManifest,
  signal?: AbortSignal,
): Promise<ModelManifest> {
  const blobName = versionPrefix(manifest.model, manifest.version) + MANIFEST_FILE;
  const body = `${JSON.stringify(manifest, null, 2)}\n`;
  try {
    await container.getBlockBlobClient(blobName).upload(body, Buffer.byteLength(body), {
      abortSignal: signal,
      conditions: { ifNoneMatch: '*' },
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    return manifest;
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    if (code !== 409 && code !== 412) throw err;
    const existing = await readManifest(container, manifest.model, manifest.version, signal);
    if (!existing) throw err;
    return existing;
  }
}

async function ensureContainer(container: ContainerClient, signal?: AbortSignal): Promise<void> {
  try {
    await container.createIfNotExists({ abortSignal: signal });
  } catch (err) {
    const code = (err as { statusCode?: number }).statusCode;
    // 403: a data-plane role may write blobs without being allowed to create containers.
    if (code === 403 && (await container.exists({ abortSignal: signal }).catch(() => false))) return;
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.storeConfig,
      `cannot create or open the blob container "${container.containerName}" at ${new URL(container.url).origin}: ${(err as Error).message.split('\n')[0]}`,
      {
        hint: 'Check the storage account name, that the credential has "Storage Blob Data Contributor" on it, and the network path',
        cause: err,
      },
    );
  }
}

/** A file committed by an earlier, interrupted attempt with the same bytes need not be sent again. */
async function alreadyCommitted(
  blob: ReturnType<ContainerClient['getBlockBlobClient']>,
  file: { size: number; sha256: string },
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const props = await blob.getProperties({ abortSignal: signal });
    return props.contentLength === file.size && props.metadata?.sha256 === file.sha256;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return false;
    throw err;
  }
}

function contentTypeOf(path: string): string {
  if (path.endsWith('.json')) return 'application/json';
  if (path.endsWith('.txt') || path.endsWith('.csv') || path.endsWith('.md')) return 'text/plain';
  return 'application/octet-stream';
}
