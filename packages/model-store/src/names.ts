import { MODEL_STORE_ERRORS, ModelStoreError } from './errors.ts';

const MODEL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/;

/** Blob name prefix of one model version, ending in `/`. */
export function versionPrefix(name: string, version: string): string {
  checkModelName(name);
  checkVersion(version);
  return `${name}/${version}/`;
}

export const MANIFEST_FILE = 'manifest.json';

export function checkModelName(name: string): void {
  if (!MODEL_NAME.test(name))
    throw new ModelStoreError(MODEL_STORE_ERRORS.badModel, `model.name "${name}" is not a valid model name`, {
      hint: 'Use lower-case letters, digits and "-" (at most 63 characters), e.g. "iris-classifier"',
    });
}

export function checkVersion(version: string): void {
  if (!VERSION.test(version) || version.includes('..'))
    throw new ModelStoreError(
      MODEL_STORE_ERRORS.badModel,
      `model.version "${version}" is not a valid version`,
      {
        hint: 'Use letters, digits, ".", "_", "+" and "-" (no "/" and no ".."), e.g. "1.4.0"',
      },
    );
}
