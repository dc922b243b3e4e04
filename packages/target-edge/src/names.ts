/** Labels by which Dove finds its own deployments on a hub. */
export const LABEL = {
  managed: 'dove-managed',
  environment: 'dove-environment',
  model: 'dove-model',
  version: 'dove-model-version',
  specHash: 'dove-spec-hash',
} as const;

/**
 * One configuration per model version: `dove-<model>-<environment>-<version>`, in the
 * characters IoT Hub allows (lower case, at most 128). A new version never overwrites the old.
 */
export function configurationId(model: string, environment: string, version: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '');
  const id = `dove-${clean(model)}-${clean(environment)}-${clean(version)}`;
  return id.length <= 128 ? id : id.slice(0, 128);
}
