// Blue-green on AKS through the Action: a release starts the new version beside the live one,
// a manual run (workflow_dispatch, `command: promote`) switches the traffic, `reject` drops a
// new version; each is a GitHub Deployment of its own.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { examplePayload, oidcInputs, REPO, runAction, startWorld, type World } from './harness.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ subject: `repo:${REPO}:environment:prod` });
}, 120_000);
afterAll(async () => world?.stop());

const dispatch = (inputs: Record<string, string>) =>
  runAction(world, {
    event: 'workflow_dispatch',
    payload: examplePayload('workflow_dispatch', undefined, { inputs: {} }),
    inputs: { ...oidcInputs(world), target: 'prod', ...inputs },
  });
const status = async () => JSON.parse((await dispatch({ command: 'status' })).outputs.result as string);

test('release → new slot beside the live one; promote switches; reject drops the next one', async () => {
  const v1 = await dispatch({ version: '1.0.0' });
  expect(v1.code, v1.stdout + v1.stderr).toBe(0);
  expect(v1.outputs).toMatchObject({ decision: 'succeeded', version: '1.0.0' });
  expect(v1.outputs['scoring-uri']).toMatch(/^http:\/\/127\.77\.\d+\.\d+(:\d+)?\/score$/);

  const v2 = await runAction(world, {
    event: 'release',
    payload: examplePayload('release', 'published', { release: { tag_name: 'v2.0.0', draft: false } }),
    inputs: { ...oidcInputs(world), target: 'prod' },
  });
  expect(v2.code, v2.stdout + v2.stderr).toBe(0);
  expect(v2.outputs).toMatchObject({ decision: 'succeeded', version: '2.0.0' });
  // The new version is verified on the preview; the live Service still serves 1.0.0.
  expect((await status()).status).toMatchObject({ state: 'serving', version: '1.0.0' });

  const promoted = await dispatch({ command: 'promote' });
  expect(promoted.code, promoted.stdout + promoted.stderr).toBe(0);
  expect(promoted.outputs).toMatchObject({ decision: 'succeeded', version: '2.0.0', environment: 'prod' });
  const d = world.github.repo(REPO).deployments.get(Number(promoted.outputs['deployment-id']));
  expect(d).toMatchObject({ task: 'deploy:promote', environment: 'prod' });
  expect(d?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  expect(promoted.summary).toContain('Dove promote: prod (aks)');
  expect(promoted.summary).toMatch(/<h3>What serves now<\/h3>[\s\S]*\*\*serving\*\* version 2\.0\.0/);
  expect(promoted.stdout).toContain('Dove promote prod');
  expect((await status()).status).toMatchObject({ state: 'serving', version: '2.0.0' });

  const v3 = await dispatch({ version: '3.0.0' });
  expect(v3.code, v3.stdout + v3.stderr).toBe(0);
  const rejected = await dispatch({ command: 'reject' });
  expect(rejected.code, rejected.stdout + rejected.stderr).toBe(0);
  expect(rejected.outputs.version).toBe('2.0.0');
  expect((await status()).status).toMatchObject({ state: 'serving', version: '2.0.0' });
  // Keys never reach the result: the endpoint keeps only its auth type.
  expect(JSON.stringify(await status())).not.toMatch(/primaryKey|secondaryKey/);
});

test('promote on ACI is refused with what the target supports', async () => {
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev', command: 'promote' },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/::error::DOVE_UNSUPPORTED: The aci target cannot promote\./);
  expect(r.stdout).toContain('blue-green and canary strategies of the aks target');
});
