import type { TokenCredential } from '@azure/core-auth';
import {
  BlobServiceClient,
  type ContainerClient,
  type StoragePipelineOptions,
  type StorageSharedKeyCredential,
} from '@azure/storage-blob';
import type { CloudProfile } from '@dove/deploy-core';
import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';

/** Where the model store lives: one blob container. */
export type ModelStoreLocation =
  | { containerClient: ContainerClient }
  | { connectionString: string; container: string; pipeline?: StoragePipelineOptions }
  | {
      /** Blob service URL, e.g. `https://myaccount.blob.core.windows.net`. */
      serviceUrl: string;
      credential: TokenCredential | StorageSharedKeyCredential;
      container: string;
      pipeline?: StoragePipelineOptions;
    };

const CONTAINER_NAME = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/** The container client for a location (nothing is created or called here). */
export function openContainer(location: ModelStoreLocation): ContainerClient {
  if ('containerClient' in location) return location.containerClient;
  checkContainerName(location.container);
  if ('connectionString' in location) {
    try {
      return BlobServiceClient.fromConnectionString(
        location.connectionString,
        location.pipeline,
      ).getContainerClient(location.container);
    } catch (err) {
      // The SDK's message can quote the connection string (and its key): never pass it on.
      throw new ModelStoreError(
        MODEL_STORE_ERRORS.storeConfig,
        'the storage connection string is not valid',
        {
          hint: 'Use the "Connection string" from the storage account\'s "Access keys" page (AccountName=...;AccountKey=...;...)',
          cause: err instanceof Error ? new Error(err.name) : undefined,
        },
      );
    }
  }
  return new BlobServiceClient(
    location.serviceUrl,
    location.credential,
    location.pipeline,
  ).getContainerClient(location.container);
}

export function checkContainerName(name: string): void {
  if (!CONTAINER_NAME.test(name))
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.storeConfig,
      `"${name}" is not a valid blob container name`,
      {
        hint: 'Use 3-63 lower-case letters, digits and single "-" (not at the start or end), e.g. "dove-models"',
      },
    );
}

/**
 * The store's location from a cloud profile: the sandbox's storage account (Azurite, by
 * connection string), or `https://<account>.blob.<storageEndpointSuffix>` with a credential.
 */
export function locationFromCloud(
  cloud: CloudProfile,
  options: {
    accountName?: string;
    container: string;
    credential?: TokenCredential;
    connectionString?: string;
  },
): ModelStoreLocation {
  if (options.connectionString)
    return { connectionString: options.connectionString, container: options.container };
  const sandbox = cloud.sandbox?.storage;
  if (sandbox && (!options.accountName || options.accountName === sandbox.accountName))
    return { connectionString: sandbox.connectionString, container: options.container };
  if (!options.accountName)
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.storeConfig,
      `no storage account is named for cloud ${cloud.name}`,
      {
        hint: "Name the model store's storage account (e.g. --storage-account or DOVE_STORAGE_ACCOUNT), or pass a connection string",
      },
    );
  if (!options.credential)
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.storeConfig,
      `no credential for storage account ${options.accountName}`,
      {
        hint: 'Sign in (an @azure/identity credential with "Storage Blob Data Contributor" on the account) or pass a connection string',
      },
    );
  return {
    serviceUrl: `https://${options.accountName}.blob.${cloud.storageEndpointSuffix}`,
    credential: options.credential,
    container: options.container,
  };
}
