/**
 * The deployment spec (`dove.yaml`) after variables are filled in and the file is validated.
 * The zod schema in `schema.ts` is the source of truth; these types mirror it.
 */
export interface ModelSpec {
  /** Model name: lower-case letters, digits and `-`, e.g. `iris-classifier`. */
  name: string;
  /** Model version, e.g. `1.4.0`; often filled from the release tag (`${DOVE_RELEASE_VERSION}`). */
  version: string;
  /** Where the model files are: a path in the repo (relative to the spec file)... */
  path?: string;
  /** ...or a blob URL. Exactly one of path / uri. */
  uri?: string;
  description?: string;
}

export interface SampleRequest {
  /** JSON body sent to the score route by the smoke test. */
  body: unknown;
  /** Expected HTTP status (default 200). */
  expectStatus: number;
  /** Optional: a JSON path-ish key that must be present in the response, e.g. `result`. */
  expectKey?: string;
}

export interface ScoringSpec {
  /** The scoring image, e.g. `myregistry.azurecr.io/iris-scorer:1.4.0`. */
  image: string;
  /** Port the server listens on inside the container (Azure ML: 5001). */
  port: number;
  scoreRoute: string;
  healthRoute: string;
  swaggerRoute?: string;
  /** The smoke test. */
  sample?: SampleRequest;
  /** Plain environment variables for the scoring container. */
  env: Record<string, string>;
}

/** One environment (`targets.<name>`): its kind and that kind's own settings. */
export interface TargetSpec {
  kind: string;
  /** The kind's settings, validated by its plugin's schema. */
  settings: Record<string, unknown>;
}

export interface DoveSpec {
  apiVersion: 'dove/v1';
  model: ModelSpec;
  scoring: ScoringSpec;
  targets: Record<string, TargetSpec>;
  /** Absolute path of the spec file, when it came from one. */
  file?: string;
}
