// A GitHub Deployment (as the bot creates in workflow mode) says what to deploy in its payload;
// the Action reports to that deployment. Bad input and a failed deploy end in exit code 1
// with the located message, and the deployment says why.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { examplePayload, oidcInputs, REPO, runAction, SHA, startWorld, type World } from './harness.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(async () => world?.stop());

/** Creates the deployment on the local GitHub API and returns the webhook payload for it. */
async function deploymentEvent(payload: unknown, environment = 'dev') {
  const res = await fetch(`${world.github.url}/repos/${REPO}/deployments`, {
    method: 'POST',
    headers: { authorization: `token ${world.github.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ref: SHA, environment, payload, auto_merge: false, required_contexts: [] }),
  });
  const deployment = (await res.json()) as Record<string, unknown>;
  return { id: deployment.id as number, event: examplePayload('deployment', 'created', { deployment }) };
}

const statesOf = (id: number) => world.github.repo(REPO).deployments.get(id)?.statuses ?? [];

test('deployment event: environment, version and variables come from payload.dove; statuses go to that deployment', async () => {
  const { id, event } = await deploymentEvent({
    dove: {
      command: 'deploy',
      environment: 'dev',
      version: '2.0.0',
      dryRun: false,
      sha: SHA,
      args: { AZURE_LOCATION: 'westeurope' },
    },
  });
  const before = world.github.repo(REPO).deployments.size;
  const inputs = oidcInputs(world);
  const r = await runAction(world, { event: 'deployment', payload: event, inputs });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs).toMatchObject({
    decision: 'succeeded',
    version: '2.0.0',
    environment: 'dev',
    'deployment-id': String(id),
  });
  expect(world.github.repo(REPO).deployments.size).toBe(before);
  expect(statesOf(id).map((s) => s.state)).toEqual(['in_progress', 'success']);
  expect(statesOf(id)[1]?.environment_url).toBe(r.outputs['scoring-uri']);
  expect(JSON.parse(r.outputs.result as string)).toMatchObject({
    trigger: 'deployment',
    deploymentId: id,
    sha: SHA,
  });
});

test('deployment event with dryRun: plans only, success status carries the plan summary', async () => {
  const { id, event } = await deploymentEvent({
    dove: { command: 'deploy', environment: 'dev', version: '2.1.0', dryRun: true },
  });
  const r = await runAction(world, { event: 'deployment', payload: event, inputs: oidcInputs(world) });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs.decision).toBe('dry-run');
  expect(JSON.parse(r.outputs.plan as string)).toMatchObject({ action: 'update' });
  expect(statesOf(id).at(-1)).toMatchObject({ state: 'success' });
  expect(statesOf(id).at(-1)?.description).toContain('dry run');
  expect(r.stdout).not.toContain('::group::apply');
});

test('a deployment without payload.dove deploys its own environment', async () => {
  const { id, event } = await deploymentEvent({}, 'dev');
  const r = await runAction(world, { event: 'deployment', payload: event, inputs: oidcInputs(world) });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs.environment).toBe('dev');
  expect(statesOf(id).map((s) => s.state)).toEqual(['in_progress', 'success']);
});

test('a deployment the bot runs itself (bot mode) is skipped: no second deploy, no status', async () => {
  const { id, event } = await deploymentEvent(
    {
      doveBot: {
        mode: 'bot',
        run: 'r1',
        instance: 'i1',
        command: '/deploy dev',
        requester: 'octocat',
        issue: 1,
        commentId: 1,
      },
    },
    'dev',
  );
  const r = await runAction(world, { event: 'deployment', payload: event, inputs: oidcInputs(world) });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs.decision).toBe('skipped');
  expect(r.stdout).toContain('run by the Dove bot itself');
  expect(statesOf(id)).toEqual([]);
});

test('a bad payload is refused with the field it names; the deployment fails with the reason', async () => {
  const { id, event } = await deploymentEvent({ dove: { command: 'ship-it', environment: 'dev' } });
  const r = await runAction(world, { event: 'deployment', payload: event, inputs: oidcInputs(world) });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(
    `::error::DOVE_BAD_INPUT: GITHUB_EVENT_PATH deployment.payload.dove.command: deployment ${id}: payload.dove.command must be one of deploy, plan, status, promote, reject, rollback, destroy, got "ship-it"`,
  );
});

test('bad inputs: each names the input and what to write', async () => {
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev', 'dry-run': 'maybe' },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(
    '::error::DOVE_BAD_INPUT: action.yml inputs.dry-run: input `dry-run`: expected true or false, got "maybe"',
  );
  expect(r.stdout).toContain('Set `dry-run: true` or `dry-run: false`');

  const noTarget = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: oidcInputs(world),
  });
  expect(noTarget.code).toBe(1);
  expect(noTarget.stdout).toContain('input `target`: is required');

  const unknown = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'staging' },
  });
  expect(unknown.code).toBe(1);
  expect(unknown.stdout).toMatch(/::error::DOVE_TARGET_UNKNOWN: .*staging/);
});

test('a spec error is located (file:line field) and annotated', async () => {
  const spec = join(world.workspace, 'broken.yaml');
  writeFileSync(
    spec,
    'apiVersion: dove/v1\nmodel:\n  name: iris\n  version: 1.0.0\nscoring:\n  image: x\n  port: seventy\ntargets:\n  dev:\n    kind: aci\n',
  );
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev', spec: 'broken.yaml' },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(/::error .*file=.*broken\.yaml.*line=7.*::.*/);
  expect(r.stdout).toMatch(/::error::DOVE_SPEC_INVALID: .*broken\.yaml:7/);
  expect(r.summary).toContain('DOVE_SPEC_INVALID');
});

test('a deploy that fails is rolled back: exit 1, failure status with the reason, what serves now', async () => {
  const good = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev', version: '4.0.0' },
  });
  expect(good.code, good.stdout).toBe(0);
  // The same model version, with a scoring container that answers 500: the smoke test fails.
  const text = readFileSync(join(world.workspace, 'dove.yaml'), 'utf8');
  writeFileSync(
    join(world.workspace, 'faulty.yaml'),
    text.replace('    memoryInGB: 1.5\n', '    memoryInGB: 1.5\n    env:\n      DOVE_FAULT: score-500\n'),
  );
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev', spec: 'faulty.yaml', version: '4.0.0' },
  });
  expect(r.code).toBe(1);
  expect(r.outputs.decision).toBe('rolled-back');
  expect(r.stdout).toMatch(/::error::ACI_SMOKE_FAILED: .*expected HTTP 200, got 500/);
  const id = Number(r.outputs['deployment-id']);
  expect(statesOf(id).map((s) => s.state)).toEqual(['in_progress', 'failure']);
  const last = statesOf(id).at(-1);
  expect(last?.description).toMatch(/^ACI_SMOKE_FAILED: /);
  expect(last?.description.length).toBeLessThanOrEqual(140);
  // The previous version still serves, and the outputs say where.
  expect(r.outputs['scoring-uri']).toMatch(/:5001\/score$/);
  expect(r.summary).toContain('What serves now: serving 4.0.0');
  expect(JSON.parse(r.outputs.result as string).servingNow).toMatch(/^serving 4\.0\.0/);
});
