import type { ModelDelivery } from '@dove/deploy-core';
import { type ModelStoreLocation, openContainer } from './container.ts';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';
import { MANIFEST_FILE, versionPrefix } from './names.ts';
import { createBlobSigner } from './sas.ts';
import { readManifest } from './upload.ts';

export interface ModelDeliveryOptions {
  store: ModelStoreLocation;
  name: string;
  version: string;
  /**
   * `sas` (default): read-only SAS tokens for this version's blobs only.
   * `managed-identity`: no token; the scoring container's identity reads the blobs
   * (grant it "Storage Blob Data Reader" on the container).
   */
  auth?: 'sas' | 'managed-identity';
  /** SAS lifetime in minutes (default 1440 = 24 h). A container restarted after expiry cannot re-download. */
  expiresInMinutes?: number;
  /** Exact expiry; wins over `expiresInMinutes`. */
  expiresOn?: Date;
  signal?: AbortSignal;
}

/** Clock skew allowance: a token is valid from a few minutes ago, as Azure advises. */
const SKEW_MS = 5 * 60_000;

/** Where a stored version is and how a scoring container reads it (see deploy-core's `ModelDelivery`). */
export async function createModelDelivery(options: ModelDeliveryOptions): Promise<ModelDelivery> {
  const container = openContainer(options.store);
  const prefix = versionPrefix(options.name, options.version);
  const manifest = await readManifest(container, options.name, options.version, options.signal);
  if (!manifest)
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.versionMissing,
      `model ${options.name} version ${options.version} is not in container ${container.containerName} (or its upload never completed)`,
      { hint: 'Upload it first (dove models upload, or deploy with the model store enabled)' },
    );
  const base = container.url.replace(/\?.*$/, '').replace(/\/$/, '');
  const uri = `${base}/${encodePath(prefix)}`;
  const reissue = async (other: string, signal?: AbortSignal): Promise<ModelDelivery | undefined> => {
    if (!other.startsWith(`${base}/`)) return undefined;
    const parts = other
      .slice(base.length + 1)
      .replace(/\/$/, '')
      .split('/')
      .map(decodeURIComponent);
    if (parts.length !== 2) return undefined;
    const [name, version] = parts as [string, string];
    return createModelDelivery({ ...options, name, version, signal: signal ?? options.signal });
  };
  const delivery: ModelDelivery = { uri, manifestUri: `${uri}${MANIFEST_FILE}`, reissue };
  if ((options.auth ?? 'sas') === 'managed-identity') return delivery;

  const now = Date.now();
  const expiresOn = options.expiresOn ?? new Date(now + (options.expiresInMinutes ?? 1440) * 60_000);
  if (!(expiresOn.getTime() > now - SKEW_MS))
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.storeConfig,
      `SAS expiry ${expiresOn.toISOString()} is in the past`,
      {
        hint: 'Give a positive expiresInMinutes',
      },
    );
  const signer = await createBlobSigner(
    container,
    { startsOn: new Date(Math.min(now - SKEW_MS, expiresOn.getTime() - 1000)), expiresOn },
    options.signal,
  );
  const tokens: Record<string, string> = { [MANIFEST_FILE]: signer.sign(prefix + MANIFEST_FILE) };
  for (const file of manifest.files) tokens[file.path] = signer.sign(prefix + file.path);
  return { ...delivery, sasToken: JSON.stringify(tokens), expiresOn: expiresOn.toISOString() };
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
