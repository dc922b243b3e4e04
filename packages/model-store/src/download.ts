import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';
import { type ModelManifest, parseManifest } from './manifest.ts';
import { MANIFEST_FILE } from './names.ts';
import { withFileSas } from './sas.ts';

export interface DownloadModelOptions {
  /** The version folder (`DOVE_MODEL_URI`), ending in `/` or not. */
  uri: string;
  /** `DOVE_MODEL_SAS`: a per-file map or one query string. */
  sasToken?: string;
  /** Managed identity / Entra credential instead of a SAS. */
  credential?: TokenCredential;
  /** Folder to write the files to (created). */
  dir: string;
  signal?: AbortSignal;
}

/** Storage scope for Microsoft Entra tokens, and the first REST version that accepts them. */
const STORAGE_SCOPE = 'https://storage.azure.com/.default';
const OAUTH_API_VERSION = '2021-08-06';

/**
 * Downloads a stored version into `dir`, checking every file's size and sha256 against the
 * manifest; a mismatch fails with `DOVE_MODEL_CORRUPT` and leaves no file of the model behind.
 */
export async function downloadModel(options: DownloadModelOptions): Promise<ModelManifest> {
  const base = options.uri.replace(/\/+$/, '').replace(/\/manifest\.json$/, '');
  const get = async (path: string): Promise<Buffer> => {
    const url = withFileSas(
      `${base}/${path.split('/').map(encodeURIComponent).join('/')}`,
      options.sasToken,
      path,
    );
    const headers: Record<string, string> = {};
    if (options.credential) {
      const token = await options.credential.getToken(STORAGE_SCOPE, { abortSignal: options.signal });
      if (!token)
        throw new ModelStoreError(MODEL_STORE_ERRORS.storeConfig, 'the credential returned no storage token');
      headers.authorization = `Bearer ${token.token}`;
      headers['x-ms-version'] = OAUTH_API_VERSION;
    }
    const res = await fetch(url, { headers, signal: options.signal });
    if (!res.ok)
      throw new ModelStoreError(
        res.status === 404 ? MODEL_STORE_ERRORS.versionMissing : MODEL_STORE_ERRORS.storeConfig,
        `cannot download ${base}/${path}: HTTP ${res.status}`,
        {
          hint:
            res.status === 403
              ? 'The SAS is expired or for another version, or the identity lacks "Storage Blob Data Reader": deploy again for a fresh one'
              : 'Check the model URI',
        },
      );
    return Buffer.from(await res.arrayBuffer());
  };
  const manifest = parseManifest((await get(MANIFEST_FILE)).toString('utf8'), `${base}/${MANIFEST_FILE}`);
  const root = resolve(options.dir);
  const staging = `${root}.partial-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  try {
    for (const file of manifest.files) {
      const target = resolve(staging, file.path);
      if (!target.startsWith(staging + sep))
        throw new ModelStoreError(
          MODEL_STORE_ERRORS.badManifest,
          `manifest path ${file.path} leaves the version folder`,
        );
      const bytes = await get(file.path);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      if (bytes.length !== file.size || sha256 !== file.sha256)
        throw new ModelStoreError(
          MODEL_STORE_ERRORS.corrupt,
          `corrupt model file ${file.path} of ${manifest.model} ${manifest.version}: expected ${file.size} bytes with sha256 ${file.sha256}, got ${bytes.length} bytes with sha256 ${sha256}`,
          { hint: 'Do not serve this version: upload it again under a new version, or deploy another one' },
        );
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, bytes);
    }
    await writeFile(join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    await rm(root, { recursive: true, force: true });
    await mkdir(dirname(root), { recursive: true });
    await rename(staging, root);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return manifest;
}
