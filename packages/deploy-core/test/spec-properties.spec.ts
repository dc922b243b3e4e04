// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold dove.yaml variables, not JS templates
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { stringify } from 'yaml';
import { isDoveError } from '../src/errors.ts';
import { loadSpec } from '../src/spec/index.ts';
import { testRegistry } from './spec-helpers.ts';

/** Either a spec, or a DoveError whose every issue says where. Anything else is a bug. */
async function resolvesOrExplains(text: string): Promise<void> {
  try {
    await loadSpec({ text, variables: { SET: 'v' }, registry: testRegistry });
  } catch (e) {
    if (!isDoveError(e)) throw e;
    expect(['DOVE_SPEC_YAML', 'DOVE_SPEC_INVALID', 'DOVE_VARIABLE_UNSET']).toContain(e.code);
    expect(e.issues?.length).toBeGreaterThan(0);
    for (const issue of e.issues ?? []) {
      expect(issue.line).toBeGreaterThanOrEqual(1);
      expect(issue.column).toBeGreaterThanOrEqual(1);
      expect(typeof issue.message).toBe('string');
    }
  }
}

// Values near the spec's own shape, so the generator reaches the deeper checks.
const leaf = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '${SET}',
    '${UNSET}',
    '${UNSET:-d}',
    '/score',
    'box',
    'pool',
    'dove/v1',
    'https://x.example/m',
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const key = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'apiVersion',
    'model',
    'scoring',
    'targets',
    'name',
    'version',
    'path',
    'uri',
    'image',
    'port',
    'scoreRoute',
    'sample',
    'body',
    'env',
    'kind',
    'size',
    'autoscale',
    'min',
    'max',
    'dev',
    'Prod',
  ),
);
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, tie('object'), fc.array(tie('value'), { maxLength: 4 })),
  object: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
})).object;

describe('loadSpec never crashes', () => {
  test('on arbitrary text', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), resolvesOrExplains), {
      numRuns: 300,
    });
  });

  test('on arbitrary YAML-ish text', async () => {
    const piece = fc.constantFrom(
      'model:',
      '  name: x',
      '- a',
      ': ',
      '{',
      '}',
      '[',
      ']',
      '"',
      "'",
      '&a',
      '*a',
      '!!int',
      '\t',
      '  ',
      '\n',
      '#',
      '${X',
      '? ',
      '---',
      '...',
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(piece, { maxLength: 30 }).map((p) => p.join('')),
        resolvesOrExplains,
      ),
      { numRuns: 300 },
    );
  });

  test('on arbitrary objects dumped to YAML', async () => {
    await fc.assert(
      fc.asyncProperty(jsonish, (obj) => resolvesOrExplains(stringify(obj))),
      { numRuns: 300 },
    );
  });

  test('on a valid spec with one field replaced by anything', async () => {
    const base = {
      model: { name: 'iris', version: '1', path: 'model' },
      scoring: { image: 'i' },
      targets: { dev: { kind: 'box', size: 1 }, prod: { kind: 'pool', autoscale: { min: 1, max: 2 } } },
    };
    const where = fc.constantFrom(
      ['model'],
      ['model', 'name'],
      ['model', 'uri'],
      ['scoring', 'port'],
      ['scoring', 'sample'],
      ['scoring', 'env'],
      ['targets'],
      ['targets', 'dev'],
      ['targets', 'dev', 'size'],
      ['targets', 'prod', 'autoscale', 'max'],
      ['targets', 'x y'],
      ['apiVersion'],
    );
    await fc.assert(
      fc.asyncProperty(where, fc.oneof(leaf, jsonish), (path, value) => {
        const copy = structuredClone(base) as Record<string, unknown>;
        let at = copy;
        for (const k of path.slice(0, -1)) at = at[k] as Record<string, unknown>;
        at[path.at(-1) as string] = value;
        return resolvesOrExplains(stringify(copy));
      }),
      { numRuns: 300 },
    );
  });
});
