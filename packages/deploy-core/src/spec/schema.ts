import { z } from 'zod';
import type { DoveSpec } from './types.ts';

const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** Model name: also used in resource names, so kept DNS-label-like. */
export const modelNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(63, 'must be at most 63 characters')
  .regex(NAME, 'must be lower-case letters, digits and "-" (not at either end), e.g. iris-classifier');

/** Environment name under `targets:`. */
export const environmentNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(32, 'environment names are at most 32 characters')
  .regex(NAME, 'environment names are lower-case letters, digits and "-", e.g. prod or edge-fleet');

const route = (fallback: string) =>
  z.string().startsWith('/', 'must start with "/", e.g. /score').default(fallback);

export const modelSchema = z
  .strictObject({
    name: modelNameSchema.describe('Model name: lower-case letters, digits and "-", 1-63 characters.'),
    version: z
      .string()
      .min(1, 'must not be empty')
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a dove.yaml variable, not JS
      .describe('Model version, e.g. 1.4.0; often ${DOVE_RELEASE_VERSION}.'),
    path: z
      .string()
      .min(1, 'must not be empty')
      .optional()
      .describe('Folder of the model files, relative to the spec file. Exactly one of path / uri.'),
    uri: z
      .url({
        protocol: /^https?$/,
        error: 'must be an http(s) URL, e.g. https://acct.blob.core.windows.net/models/iris',
      })
      .optional()
      .describe('URL of the model files (e.g. a blob folder). Exactly one of path / uri.'),
    description: z.string().optional().describe('Free text.'),
  })
  .superRefine((m, ctx) => {
    if (m.path !== undefined && m.uri !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['uri'], message: 'give either path or uri, not both' });
    } else if (m.path === undefined && m.uri === undefined) {
      ctx.addIssue({ code: 'custom', path: [], message: 'give path (a folder in the repo) or uri (a URL)' });
    }
  });

export const sampleSchema = z.strictObject({
  body: z
    .unknown()
    .refine((v) => v !== undefined, 'required; the JSON body of the smoke request')
    .describe('JSON body POSTed to the score route by the smoke test.'),
  expectStatus: z.coerce.number().int().min(100).max(599).default(200).describe('Expected HTTP status.'),
  expectKey: z.string().min(1).optional().describe('A key that must be present in the JSON response.'),
});

export const scoringSchema = z.strictObject({
  image: z
    .string()
    .min(1, 'must not be empty')
    .describe('The scoring image, e.g. ghcr.io/org/iris-scorer:1.0.0.'),
  port: z.coerce
    .number({ error: 'must be a port number between 1 and 65535' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(5001)
    .describe('Port the scoring server listens on inside the container.'),
  scoreRoute: route('/score').describe('Route of the score endpoint (POST).'),
  healthRoute: route('/').describe('Route answering 200 when the server is ready (GET).'),
  swaggerRoute: route('/swagger.json').describe('Route of the OpenAPI document (GET).'),
  sample: sampleSchema.optional().describe('The smoke test run after each deploy.'),
  env: z
    .record(z.string(), z.coerce.string())
    .default({})
    .describe('Plain environment variables for the scoring container.'),
});

/** One environment: `kind` picks the target plugin, the other keys are its settings. */
export const targetSchema = z
  .looseObject({
    kind: z.string().min(1, 'must not be empty').describe('Target kind: aci, aks, edge, fpga, ...'),
  })
  .transform(({ kind, ...settings }) => ({ kind, settings: settings as Record<string, unknown> }));

export const specSchema = z.object({
  apiVersion: z.literal('dove/v1').default('dove/v1').describe('Spec format version.'),
  model: modelSchema.describe('The model: its name, version and where its files are.'),
  scoring: scoringSchema.describe('The scoring image and the HTTP contract it serves.'),
  targets: z
    .record(environmentNameSchema, targetSchema)
    .describe('Environments by name; each has a kind and that kind’s settings.'),
});

/** Input (pre-parse) shape, e.g. for `z.toJSONSchema(specSchema, { io: 'input' })`. */
export type DoveSpecInput = z.input<typeof specSchema>;

// Keep the schema and the hand-written types in step.
type Output = z.output<typeof specSchema>;
export type _SpecMatches = Output extends Omit<DoveSpec, 'file'> ? true : never;
const _check: _SpecMatches = true;
void _check;
