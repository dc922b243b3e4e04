import { dirname, isAbsolute, resolve } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import type { CloudProfile, DoveSpec, ModelDelivery, ModelSpec } from '@dove/deploy-core';
import { locationFromCloud, type ModelStoreLocation } from './container.ts';
import { createModelDelivery } from './delivery.ts';
import { type UploadModelResult, uploadModel } from './upload.ts';

/** What the orchestrator hands the model-delivery hook before a target's `plan`. */
export interface ModelDeliveryRequest {
  spec: DoveSpec;
  /** The resolved model (version filled in). */
  model: ModelSpec & { version: string };
  specHash: string;
  cloud: CloudProfile;
  credential?: TokenCredential;
  environment?: string;
  signal?: AbortSignal;
  progress?(message: string, percent?: number): void;
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

export type ModelDeliveryHook = (request: ModelDeliveryRequest) => Promise<ModelDelivery | undefined>;

export interface ModelStoreHookOptions {
  /** The store; by default it comes from the cloud profile (the sandbox's storage, or `accountName`). */
  store?: ModelStoreLocation;
  /** Storage account for public/sovereign clouds (endpoint from the profile's `storageEndpointSuffix`). */
  accountName?: string;
  connectionString?: string;
  /** Blob container (default `dove-models`). */
  container?: string;
  auth?: 'sas' | 'managed-identity';
  expiresInMinutes?: number;
  /** Store changed bytes under a new version instead of refusing (`--force-new-version`). */
  forceNewVersion?: boolean;
  gitSha?: string;
  releaseTag?: string;
  blockSize?: number;
  concurrency?: number;
  /** Called once per upload with what was sent (for results and benchmarks). */
  onUpload?(result: UploadModelResult): void;
}

export const DEFAULT_CONTAINER = 'dove-models';

/**
 * The orchestrator's `modelDelivery` hook: uploads the spec's model (`model.path`, relative to
 * the spec file; nothing is sent when the stored version is identical) and returns where the
 * scoring container reads it. Targets pass `uri` as `DOVE_MODEL_URI` (plain) and `sasToken` as
 * `DOVE_MODEL_SAS` (secure environment variable / Kubernetes Secret).
 */
export function modelStoreHook(options: ModelStoreHookOptions = {}): ModelDeliveryHook {
  return async (request) => {
    const { model, spec } = request;
    if (!model.path) {
      request.log?.('info', `model ${model.name} is given by URI; the model store delivers nothing`);
      return undefined;
    }
    const store =
      options.store ??
      locationFromCloud(request.cloud, {
        container: options.container ?? DEFAULT_CONTAINER,
        accountName: options.accountName,
        connectionString: options.connectionString,
        credential: request.credential,
      });
    const base = spec.file ? dirname(spec.file) : process.cwd();
    const path = isAbsolute(model.path) ? model.path : resolve(base, model.path);
    let lastPercent = -1;
    const uploaded = await uploadModel({
      store,
      model: { name: model.name, version: model.version, path },
      specHash: request.specHash,
      gitSha: options.gitSha,
      releaseTag: options.releaseTag,
      force: options.forceNewVersion,
      blockSize: options.blockSize,
      concurrency: options.concurrency,
      signal: request.signal,
      onProgress: (p) => {
        if (p.phase !== 'uploading' || p.totalBytes === 0) return;
        const percent = Math.floor(((p.bytesUploaded + p.bytesReused) / p.totalBytes) * 100);
        if (percent === lastPercent) return;
        lastPercent = percent;
        request.progress?.(`uploading model ${model.name} ${model.version}: ${p.file}`, percent);
      },
    });
    options.onUpload?.(uploaded);
    request.log?.(
      'info',
      uploaded.status === 'unchanged'
        ? `model ${uploaded.name} ${uploaded.version} is already stored (0 bytes uploaded)`
        : `model ${uploaded.name} ${uploaded.version} stored: ${uploaded.bytesUploaded} bytes uploaded, ${uploaded.bytesReused} reused`,
    );
    if (uploaded.version !== model.version)
      request.log?.('warn', `changed files stored as new version ${uploaded.version} (forced)`);
    return createModelDelivery({
      store,
      name: uploaded.name,
      version: uploaded.version,
      auth: options.auth,
      expiresInMinutes: options.expiresInMinutes,
      signal: request.signal,
    });
  };
}
