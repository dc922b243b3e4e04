// Workflow mode: the bot checks and locks, creates the Deployment with the payload the Dove
// Action reads, then mirrors the Action's deployment statuses in the pull request.
import { deliverWebhook } from '@dove/testkit';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningBot } from '../src/server.ts';
import {
  bot,
  botComments,
  comment,
  deploymentStatusExample,
  INSTALLATION,
  REPO,
  RULES,
  reactionsOn,
  SECRET,
  seedRepo,
  startWorld,
  type World,
} from './harness.ts';

let world: World;
let b: RunningBot;
let sha: string;

beforeAll(async () => {
  world = await startWorld();
  ({ sha } = seedRepo(world.gh, REPO, { rules: `${RULES}mode: workflow\n` }));
  b = await bot(world);
  await b.recovered;
});
afterAll(async () => {
  await b?.close();
  await world?.stop();
});

/** What the Action does when it finishes: a status on the deployment, then GitHub's webhook. */
async function actionReports(deploymentId: number, state: string, extra: Record<string, string> = {}) {
  const d = world.gh.repo(REPO).deployments.get(deploymentId);
  if (!d) throw new Error('no deployment');
  const status = {
    id: d.statuses.length + 5000,
    state,
    description: extra.description ?? `dove ${state}`,
    environment: d.environment,
    environment_url: extra.environment_url ?? '',
    log_url: 'https://github.com/acme/models/actions/runs/1',
    target_url: 'https://github.com/acme/models/actions/runs/1',
    created_at: new Date().toISOString(),
  };
  d.statuses.push(status);
  const p = deploymentStatusExample();
  p.action = 'created';
  p.deployment_status = {
    ...p.deployment_status,
    ...status,
    creator: { ...p.sender, login: 'github-actions[bot]', type: 'Bot' },
  };
  p.deployment = {
    ...p.deployment,
    id: d.id,
    sha: d.sha,
    ref: d.ref,
    environment: d.environment,
    payload: d.payload,
    task: d.task,
  };
  p.repository = {
    ...p.repository,
    name: 'models',
    full_name: REPO,
    owner: { ...p.repository.owner, login: 'acme' },
  };
  p.sender = { ...p.sender, login: 'github-actions[bot]', type: 'Bot' };
  p.installation = { id: INSTALLATION };
  const res = await deliverWebhook(b.webhookUrl, { name: 'deployment_status', payload: p, secret: SECRET });
  expect(res.status).toBe(200);
  await b.idle();
}

test('/deploy hands a pinned Deployment to the workflow, then follows its statuses and frees the lock', async () => {
  const res = await comment(world, b, { user: 'alice', body: '/deploy dev --version 1.2.0 FAULT=none' });
  expect(res.status).toBe(200);
  await b.idle();
  const [d] = [...world.gh.repo(REPO).deployments.values()];
  expect(d).toMatchObject({ sha, environment: 'dev', task: 'deploy' });
  expect((d?.payload as { dove: unknown } | undefined)?.dove).toEqual({
    command: 'deploy',
    environment: 'dev',
    version: '1.2.0',
    dryRun: false,
    sha,
    args: { FAULT: 'none' },
  });
  expect(d?.statuses.map((s) => s.state)).toEqual(['queued']);
  // Nothing ran on Azure: the workflow does it.
  expect(world.sb.requests().filter((r) => r.api === 'arm' && r.method === 'PUT')).toHaveLength(0);
  const handed = botComments(world.gh).at(-1)?.body ?? '';
  expect(handed).toContain('Handed `dev` to the workflow');
  expect(handed).toContain('environment protection rules apply');
  expect([...world.gh.repo(REPO).refs.keys()]).toContain('refs/dove-locks/dev');
  expect(reactionsOn(world.gh, res.commentId)).toEqual(['eyes', 'rocket']);

  // A second /deploy meanwhile is told who holds the environment.
  const second = await comment(world, b, { user: 'carol', body: '/deploy dev' });
  await b.idle();
  expect(reactionsOn(world.gh, second.commentId)).toEqual(['eyes', '-1']);
  expect(botComments(world.gh).at(-1)?.body).toContain('locked by @alice');

  if (!d) return;
  await actionReports(d.id, 'in_progress');
  expect(
    botComments(world.gh).find((c) => c.body.includes('`/deploy dev --version 1.2.0 FAULT=none`'))?.body,
  ).toContain('The workflow is running `dev`');
  await actionReports(d.id, 'success', {
    environment_url: 'http://iris-dev.westeurope.azurecontainer.io:5001/score',
    description: 'deployed 1.2.0',
  });
  const done =
    botComments(world.gh).find((c) => c.body.includes('`/deploy dev --version 1.2.0 FAULT=none`'))?.body ??
    '';
  expect(done).toContain('The workflow deployed `dev`');
  expect(done).toContain('**Scoring URI:** http://iris-dev.westeurope.azurecontainer.io:5001/score');
  expect(done).toContain('[workflow run](https://github.com/acme/models/actions/runs/1)');
  expect([...world.gh.repo(REPO).refs.keys()]).not.toContain('refs/dove-locks/dev');
});

test('/status in workflow mode answers from the latest GitHub Deployment (the bot needs no Azure access)', async () => {
  const armBefore = world.sb.requests().filter((r) => r.api === 'arm').length;
  await comment(world, b, { user: 'bob', body: '/status dev' });
  await b.idle();
  const answer = botComments(world.gh).at(-1)?.body ?? '';
  expect(answer).toMatch(
    /Latest deployment: #\d+ at `a1a1a1a`: success · http:\/\/iris-dev\.westeurope\.azurecontainer\.io:5001\/score/,
  );
  expect(answer).toContain('🔓 not locked');
  expect(world.sb.requests().filter((r) => r.api === 'arm').length).toBe(armBefore);
});

test('/plan in workflow mode is a dry-run Deployment and takes no lock', async () => {
  await comment(world, b, { user: 'alice', body: '/plan dev' });
  await b.idle();
  const d = [...world.gh.repo(REPO).deployments.values()].at(-1);
  expect((d?.payload as { dove: unknown } | undefined)?.dove).toMatchObject({
    command: 'plan',
    dryRun: true,
    environment: 'dev',
  });
  expect([...world.gh.repo(REPO).refs.keys()]).not.toContain('refs/dove-locks/dev');
});

test('a workflow that never picks the deployment up: /unlock frees the environment at once', async () => {
  await comment(world, b, { user: 'alice', body: '/deploy dev' });
  await b.idle();
  expect([...world.gh.repo(REPO).refs.keys()]).toContain('refs/dove-locks/dev');
  await comment(world, b, { user: 'carol', body: '/unlock dev' });
  await b.idle();
  const answer = botComments(world.gh).at(-1)?.body ?? '';
  expect(answer).toContain('`dev` is unlocked');
  expect(answer).toContain('handed to the workflow');
  expect([...world.gh.repo(REPO).refs.keys()]).not.toContain('refs/dove-locks/dev');
});
