import {
  BlobSASPermissions,
  BlobServiceClient,
  type ContainerClient,
  generateBlobSASQueryParameters,
  SASProtocol,
  StorageSharedKeyCredential,
  type UserDelegationKey,
} from '@azure/storage-blob';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';

/**
 * Signs read-only SAS tokens for named blobs. Blob storage without a hierarchical namespace
 * cannot scope one SAS to a folder (a container SAS reads every version), so each blob of a
 * version gets its own token: a token for version 1 can never read version 2.
 */
export interface BlobSigner {
  sign(blobName: string): string;
}

export async function createBlobSigner(
  container: ContainerClient,
  window: { startsOn: Date; expiresOn: Date },
  signal?: AbortSignal,
): Promise<BlobSigner> {
  const credential = container.credential;
  const common = {
    containerName: container.containerName,
    permissions: BlobSASPermissions.parse('r'),
    startsOn: window.startsOn,
    expiresOn: window.expiresOn,
    protocol: new URL(container.url).protocol === 'https:' ? SASProtocol.Https : SASProtocol.HttpsAndHttp,
  };
  if (credential instanceof StorageSharedKeyCredential)
    return {
      sign: (blobName) => generateBlobSASQueryParameters({ ...common, blobName }, credential).toString(),
    };
  if ('getToken' in credential) {
    const serviceUrl = container.url.replace(/\?.*$/, '').replace(/\/[^/]+\/?$/, '');
    let key: UserDelegationKey;
    try {
      const response = await new BlobServiceClient(serviceUrl, credential).getUserDelegationKey(
        window.startsOn,
        window.expiresOn,
        { abortSignal: signal },
      );
      key = response;
    } catch (err) {
      throw new ModelStoreError(
        MODEL_STORE_ERRORS.storeConfig,
        `cannot get a user delegation key from ${serviceUrl}: ${(err as Error).message.split('\n')[0]}`,
        {
          hint: 'The signed-in identity needs "Storage Blob Delegator" (or Data Contributor) on the account; or deliver by managed identity instead of SAS',
          cause: err,
        },
      );
    }
    return {
      sign: (blobName) =>
        generateBlobSASQueryParameters({ ...common, blobName }, key, container.accountName).toString(),
    };
  }
  throw new ModelStoreError(
    MODEL_STORE_ERRORS.storeConfig,
    'cannot sign SAS tokens: the store was opened without an account key or Microsoft Entra credential',
    { hint: 'Open the store with a connection string, an account key or an @azure/identity credential' },
  );
}

/**
 * `DOVE_MODEL_SAS` as the store delivers it: a JSON object from each path inside the version
 * folder (`manifest.json` included) to that blob's SAS query string. A plain query string
 * (no leading `{`) is one token for every file, e.g. a directory SAS on a hierarchical
 * namespace account.
 */
export function sasForFile(sasToken: string | undefined, path: string): string {
  const token = (sasToken ?? '').trim();
  if (!token.startsWith('{')) return token.replace(/^\?/, '');
  const map = JSON.parse(token) as Record<string, string>;
  const found = map[path];
  if (found === undefined)
    throw new ModelStoreError(MODEL_STORE_ERRORS.storeConfig, `DOVE_MODEL_SAS holds no token for ${path}`, {
      hint: 'The SAS was issued for another version or file set: deploy again to get a fresh one',
    });
  return found;
}

/** A blob URL with the file's SAS appended (when there is one). */
export function withFileSas(url: string, sasToken: string | undefined, path: string): string {
  const token = sasForFile(sasToken, path);
  return token ? `${url}${url.includes('?') ? '&' : '?'}${token}` : url;
}
