// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold dove.yaml variables, not JS templates
import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { isDoveError } from '../src/errors.ts';
import { loadSpec } from '../src/spec/index.ts';
import { testRegistry } from './spec-helpers.ts';

const fixtures = join(import.meta.dirname, 'fixtures');
// Under test-data/ so the linter leaves the deliberately broken YAML alone.
const broken = join(fixtures, 'test-data', 'broken');

async function failure(file: string, variables: Record<string, string> = {}) {
  const err = await loadSpec({ file: join(broken, file), variables, registry: testRegistry }).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isDoveError(err)) throw new Error(`${file} loaded, or threw a non-Dove error: ${err}`);
  return err;
}

describe('loadSpec: valid specs', () => {
  test('the iris example loads without a registry, defaults filled in', async () => {
    const spec = await loadSpec({
      file: join(import.meta.dirname, '../../../examples/iris/dove.yaml'),
      variables: { AZURE_SUBSCRIPTION_ID: 'sub-1', IOT_HUB_CONNECTION_STRING: 'HostName=h' },
    });
    expect(isAbsolute(spec.file ?? '')).toBe(true);
    expect(spec.apiVersion).toBe('dove/v1');
    expect(spec.model).toMatchObject({ name: 'iris-classifier', version: '1.0.0', path: 'model' });
    expect(spec.scoring.port).toBe(5001);
    expect(spec.scoring.sample?.expectKey).toBe('result');
    expect(Object.keys(spec.targets)).toEqual(['dev', 'prod', 'edge-fleet', 'fast']);
    expect(spec.targets.dev).toEqual({
      kind: 'aci',
      settings: {
        subscription: 'sub-1',
        resourceGroup: 'dove-sandbox',
        location: 'westeurope',
        cpu: 1,
        memoryInGB: 1.5,
      },
    });
    expect(spec.targets.prod?.settings.cluster).toEqual({
      subscription: 'sub-1',
      resourceGroup: 'dove-sandbox',
      name: 'dove-aks',
    });
  });

  test('variables override defaults; the spec takes the release version', async () => {
    const spec = await loadSpec({
      file: join(import.meta.dirname, '../../../examples/iris/dove.yaml'),
      variables: {
        AZURE_SUBSCRIPTION_ID: 's',
        IOT_HUB_CONNECTION_STRING: 'c',
        DOVE_MODEL_VERSION: '2.3.1',
        AZURE_LOCATION: 'northeurope',
      },
    });
    expect(spec.model.version).toBe('2.3.1');
    expect(spec.targets.dev?.settings.location).toBe('northeurope');
  });

  test('defaults, plugin settings parsed, version kept as written', async () => {
    const spec = await loadSpec({
      file: join(fixtures, 'valid.yaml'),
      registry: testRegistry,
      variables: {},
    });
    expect(spec.model.version).toBe('1.10');
    expect(spec.scoring).toEqual({
      image: 'ghcr.io/example/iris:1',
      port: 5001,
      scoreRoute: '/score',
      healthRoute: '/',
      swaggerRoute: '/swagger.json',
      env: {},
    });
    expect(spec.targets).toEqual({ dev: { kind: 'box', settings: { size: 2 } } });
  });

  test('text instead of a file; port as a quoted string is coerced; env values are strings', async () => {
    const spec = await loadSpec({
      text: 'model: {name: m, version: "1", uri: "https://x.example/m"}\nscoring:\n  image: i\n  port: "${PORT}"\n  env: {DEBUG: 1.10, ON: true}\ntargets: {}\n',
      variables: { PORT: '8080' },
    });
    expect(spec.scoring.port).toBe(8080);
    expect(spec.scoring.env).toEqual({ DEBUG: '1.10', ON: 'true' });
    expect(spec.file).toBeUndefined();
  });

  test('$${ is a literal ${, and :- also replaces an empty value', async () => {
    const spec = await loadSpec({
      text: 'model: {name: m, version: "${V:-0.1}", path: p, description: "cost $${X}"}\nscoring: {image: i}\ntargets: {}\n',
      variables: { V: '' },
    });
    expect(spec.model.version).toBe('0.1');
    expect(spec.model.description).toBe('cost ${X}');
  });
});

describe('loadSpec: broken specs say where', () => {
  // [fixture, code, [line, path] of every issue, in order]
  const cases: [string, string, [number, string][]][] = [
    ['bad-yaml.yaml', 'DOVE_SPEC_YAML', [[4, '']]],
    ['missing-model-name.yaml', 'DOVE_SPEC_INVALID', [[1, 'model.name']]],
    ['path-and-uri.yaml', 'DOVE_SPEC_INVALID', [[5, 'model.uri']]],
    ['bad-port.yaml', 'DOVE_SPEC_INVALID', [[7, 'scoring.port']]],
    ['bad-route.yaml', 'DOVE_SPEC_INVALID', [[7, 'scoring.scoreRoute']]],
    ['unknown-kind.yaml', 'DOVE_SPEC_INVALID', [[11, 'targets.prod.kind']]],
    ['setting-wrong-type.yaml', 'DOVE_SPEC_INVALID', [[10, 'targets.dev.size']]],
    ['unset-variable.yaml', 'DOVE_VARIABLE_UNSET', [[3, 'model.version']]],
    ['bad-env-name.yaml', 'DOVE_SPEC_INVALID', [[8, 'targets.Prod_EU']]],
    [
      'two-problems.yaml', // and a plugin setting: all three at once
      'DOVE_SPEC_INVALID',
      [
        [2, 'model.name'],
        [7, 'scoring.healthRoute'],
        [11, 'targets.dev.size'],
      ],
    ],
    ['typo-field.yaml', 'DOVE_SPEC_INVALID', [[7, 'scoring.scoreroute']]],
    ['nested-setting.yaml', 'DOVE_SPEC_INVALID', [[12, 'targets.prod.autoscale.max']]],
    [
      'unset-and-invalid.yaml',
      'DOVE_SPEC_INVALID',
      [
        [4, 'model.uri'],
        [6, 'scoring.image'],
      ],
    ],
    ['not-a-map.yaml', 'DOVE_SPEC_INVALID', [[1, '']]],
    ['duplicate-key.yaml', 'DOVE_SPEC_YAML', [[3, '']]],
  ];

  test('the corpus and the table agree', () => {
    const files = readdirSync(broken).sort();
    expect(cases.map(([f]) => f).sort()).toEqual(files);
  });

  test.each(cases)('%s → %s', async (file, code, expected) => {
    const err = await failure(file);
    expect(err.code).toBe(code);
    const issues = err.issues ?? [];
    expect(issues.map((i) => [i.line, i.path])).toEqual(expected);
    for (const issue of issues) {
      expect(issue.file).toBe(join(broken, file));
      expect(issue.column).toBeGreaterThanOrEqual(1);
      expect(err.message).toContain(`${issue.file}:${issue.line}:${issue.column}`);
      expect(err.message).toContain(issue.message);
    }
    expect(err.location).toEqual(issues[0]);
  });

  test('messages say what to do', async () => {
    expect((await failure('unknown-kind.yaml')).message).toMatch(
      /targets\.prod\.kind: unknown kind "kubernetes"; known kinds: box, pool/,
    );
    expect((await failure('nested-setting.yaml')).message).toMatch(
      /nested-setting\.yaml:12:\d+ targets\.prod\.autoscale\.max: must be >= min/,
    );
    expect((await failure('unset-variable.yaml')).message).toMatch(/variable MODEL_VERSION is not set/);
    expect((await failure('missing-model-name.yaml')).issues?.[0]?.message).toMatch(/required/);
    expect((await failure('typo-field.yaml')).issues?.[0]?.message).toMatch(/unknown field/);
  });

  test('a set variable fixes what was unset', async () => {
    await expect(
      loadSpec({ file: join(broken, 'unset-variable.yaml'), variables: { MODEL_VERSION: '3' } }),
    ).resolves.toMatchObject({ model: { version: '3' }, scoring: { image: 'ghcr.io/example/iris:1' } });
  });

  test('without a registry, target settings are not checked', async () => {
    await expect(
      loadSpec({ file: join(broken, 'setting-wrong-type.yaml'), variables: {} }),
    ).resolves.toMatchObject({ targets: { dev: { kind: 'box', settings: { size: 'large' } } } });
  });

  test('environments limits the plugin checks to the environments named', async () => {
    const file = join(broken, 'unknown-kind.yaml');
    const spec = await loadSpec({ file, registry: testRegistry, environments: ['dev'], variables: {} });
    expect(spec.targets).toEqual({
      dev: { kind: 'box', settings: { size: 1 } },
      prod: { kind: 'kubernetes', settings: { replicas: 2 } },
    });
    await expect(loadSpec({ file, registry: testRegistry, environments: ['prod'] })).rejects.toMatchObject({
      code: 'DOVE_SPEC_INVALID',
    });
  });

  test('a missing file is DOVE_SPEC_NOT_FOUND naming the path', async () => {
    const err = await loadSpec({ file: join(fixtures, 'nope.yaml') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DOVE_SPEC_NOT_FOUND' });
    expect((err as Error).message).toContain('nope.yaml');
  });
});
