import { describe, expect, test } from 'vitest';
import { canonicalJson, resolveTarget, specHash } from '../src/spec/index.ts';
import type { DoveSpec } from '../src/spec/types.ts';

const spec: DoveSpec = {
  apiVersion: 'dove/v1',
  model: { name: 'iris', version: '1.0.0', path: 'model' },
  scoring: { image: 'i', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
  targets: {
    dev: { kind: 'aci', settings: { cpu: 1 } },
    prod: { kind: 'aks', settings: { namespace: 'iris', replicas: 2 } },
    canary: { kind: 'aks', settings: { namespace: 'canary', replicas: 1 } },
    edge: { kind: 'fpga', settings: {} },
  },
};

describe('resolveTarget', () => {
  test('an environment name wins', () => {
    expect(resolveTarget(spec, 'prod')).toEqual({
      environment: 'prod',
      kind: 'aks',
      target: spec.targets.prod,
    });
  });

  test('an environment named like a kind is that environment', () => {
    expect(resolveTarget(spec, 'edge').environment).toBe('edge');
  });

  test('a kind held by one environment names it', () => {
    expect(resolveTarget(spec, 'aci')).toMatchObject({ environment: 'dev', kind: 'aci' });
    expect(resolveTarget(spec, 'fpga')).toMatchObject({ environment: 'edge', kind: 'fpga' });
  });

  test('a kind held by several environments is ambiguous, listing them', () => {
    expect(() => resolveTarget(spec, 'aks')).toThrow(
      expect.objectContaining({
        code: 'DOVE_TARGET_AMBIGUOUS',
        message: expect.stringContaining('prod (aks), canary (aks)'),
      }),
    );
  });

  test('anything else is unknown, listing the environments with kinds', () => {
    expect(() => resolveTarget(spec, 'staging')).toThrow(
      expect.objectContaining({
        code: 'DOVE_TARGET_UNKNOWN',
        message: expect.stringContaining('dev (aci), prod (aks), canary (aks), edge (fpga)'),
      }),
    );
    expect(() => resolveTarget(spec, 'toString')).toThrow(
      expect.objectContaining({ code: 'DOVE_TARGET_UNKNOWN' }),
    );
  });
});

describe('specHash', () => {
  test('is 16 hex characters and stable', () => {
    expect(specHash(spec, 'prod')).toMatch(/^[0-9a-f]{16}$/);
    expect(specHash(spec, 'prod')).toBe(specHash(structuredClone(spec), 'prod'));
  });

  test('does not depend on key order', () => {
    const reordered: DoveSpec = {
      targets: { prod: { settings: { replicas: 2, namespace: 'iris' }, kind: 'aks' } },
      scoring: { env: {}, healthRoute: '/', scoreRoute: '/score', port: 5001, image: 'i' },
      model: { path: 'model', version: '1.0.0', name: 'iris' },
      apiVersion: 'dove/v1',
    };
    expect(specHash(reordered, 'prod')).toBe(specHash(spec, 'prod'));
  });

  test('changes with the settings, the model version and the scoring', () => {
    const base = specHash(spec, 'prod');
    const more = structuredClone(spec);
    (more.targets.prod as { settings: Record<string, unknown> }).settings.replicas = 3;
    expect(specHash(more, 'prod')).not.toBe(base);
    expect(specHash({ ...spec, model: { ...spec.model, version: '1.0.1' } }, 'prod')).not.toBe(base);
    expect(specHash({ ...spec, scoring: { ...spec.scoring, port: 8080 } }, 'prod')).not.toBe(base);
  });

  test('ignores other environments and the file path', () => {
    const other = structuredClone(spec);
    (other.targets.dev as { settings: Record<string, unknown> }).settings.cpu = 4;
    expect(specHash({ ...other, file: '/x/dove.yaml' }, 'prod')).toBe(specHash(spec, 'prod'));
    expect(specHash(spec, 'prod')).not.toBe(specHash(spec, 'canary'));
  });

  test('an unknown environment is DOVE_TARGET_UNKNOWN', () => {
    expect(() => specHash(spec, 'nope')).toThrow(expect.objectContaining({ code: 'DOVE_TARGET_UNKNOWN' }));
  });
});

describe('canonicalJson', () => {
  test('sorts keys at every level, keeps array order, drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: undefined, b: null } })).toBe(
      '{"a":{"b":null,"d":[2,1]},"b":1}',
    );
  });
});
