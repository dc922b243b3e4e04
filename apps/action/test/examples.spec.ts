// The example workflows use the Action as action.yml defines it: every `with:` key is an
// input, the outputs they read exist, and OIDC jobs may ask for an ID token.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from './harness.ts';

const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};
const dir = join(repoRoot, 'examples/workflows');
const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));

test('three example workflows: ACI on release, AKS blue-green with a manual promote, an edge fleet', () => {
  expect(files.sort()).toEqual(['aks-blue-green.yml', 'deploy-aci-on-release.yml', 'edge-fleet.yml']);
});

test.each(files)('%s uses only real inputs and outputs', (file) => {
  const text = readFileSync(join(dir, file), 'utf8');
  const wf = parse(text) as {
    permissions: Record<string, string>;
    jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
  };
  const steps = Object.values(wf.jobs).flatMap((j) => j.steps);
  const dove = steps.filter((s) => s.uses === '<owner>/dove@v1');
  expect(dove.length).toBeGreaterThan(0);
  for (const step of dove) {
    for (const key of Object.keys(step.with ?? {})) expect(Object.keys(action.inputs)).toContain(key);
    if (step.with?.['client-id']) expect(wf.permissions['id-token']).toBe('write');
  }
  for (const m of text.matchAll(/steps\.dove\.outputs\.([a-z-]+)/g))
    expect(Object.keys(action.outputs)).toContain(m[1]);
});

test('the blue-green example promotes, rejects and rolls back through the `command` input', () => {
  const text = readFileSync(join(dir, 'aks-blue-green.yml'), 'utf8');
  expect(text).toContain('options: [promote, reject, rollback, status]');
  expect(text).toMatch(
    /command: \$\{\{ github\.event_name == 'workflow_dispatch' && inputs\.action \|\| 'deploy' \}\}/,
  );
});
