/** Error codes the model store raises (a part of Dove's `DOVE_*` catalogue). */
export const MODEL_STORE_ERRORS = {
  /** Different bytes were uploaded under a version that already exists. */
  versionExists: 'DOVE_MODEL_VERSION_EXISTS',
  /** The model folder is missing, empty or holds something the store cannot take. */
  badModel: 'DOVE_MODEL_INVALID',
  /** A manifest in the store is not what the store writes. */
  badManifest: 'DOVE_MODEL_MANIFEST_INVALID',
  /** The store cannot be reached or configured (endpoint, credential, container). */
  storeConfig: 'DOVE_MODEL_STORE_CONFIG',
  /** A downloaded file does not match its manifest entry (size or sha256). */
  corrupt: 'DOVE_MODEL_CORRUPT',
  /** The requested version is not in the store (or is not complete yet). */
  versionMissing: 'DOVE_MODEL_VERSION_NOT_FOUND',
} as const;

export type ModelStoreErrorCode = (typeof MODEL_STORE_ERRORS)[keyof typeof MODEL_STORE_ERRORS];

/**
 * A user-facing model-store failure: says what was wrong, where, and what to do (`hint`).
 * Its `name` is `DoveError`, so hosts recognise it by name like every other Dove error.
 */
export class ModelStoreError extends Error {
  override name = 'DoveError';
  code: ModelStoreErrorCode;
  hint?: string;
  constructor(code: ModelStoreErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(options.hint ? `${message}. ${options.hint}` : message, { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

export function isModelStoreError(value: unknown): value is ModelStoreError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Error).name === 'DoveError' &&
    typeof (value as ModelStoreError).code === 'string' &&
    (value as ModelStoreError).code.startsWith('DOVE_MODEL')
  );
}
