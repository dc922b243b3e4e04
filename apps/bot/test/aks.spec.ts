// Blue-green on AKS from pull-request comments: deploy, deploy a new version beside the live one,
// /promote it, /reject a candidate; /rollback says what to comment when the target keeps no undo.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { RunningBot } from '../src/server.ts';
import {
  bot,
  botComments,
  comment,
  REPO,
  reactionsOn,
  SPEC,
  seedRepo,
  startWorld,
  type World,
} from './harness.ts';

let world: World;
let b: RunningBot;

const spec = SPEC.replace(
  '    namespace: iris\n',
  '    namespace: iris\n    replicas: 1\n    strategy:\n      type: blue-green\n',
);

beforeAll(async () => {
  world = await startWorld();
  seedRepo(world.gh, REPO, { spec, rules: 'environments:\n  production:\n    permission: admin\n' });
  b = await bot(world);
  await b.recovered;
});
afterAll(async () => {
  await b?.close();
  await world?.stop();
});

async function run(body: string) {
  const res = await comment(world, b, { user: 'root', body });
  expect(res.status).toBe(200);
  await b.idle();
  const answer =
    botComments(world.gh)
      .filter((c) => c.body.includes(`\`${body}\` by @root`))
      .at(-1)?.body ?? '';
  return { answer, reactions: reactionsOn(world.gh, res.commentId) ?? [] };
}

test('deploy, a second version beside it, promote, rollback, reject', async () => {
  const first = await run('/deploy production');
  expect(first.answer).toContain('Deployed `production` (aks) — version 1.0.0');
  expect(first.reactions).toEqual(['eyes', 'rocket']);

  const second = await run('/deploy production --version 1.1.0');
  expect(second.answer).toContain('Deployed `production` (aks) — version 1.1.0');

  const promoted = await run('/promote production');
  expect(promoted.answer).toContain('Promoted `production`');
  expect(promoted.answer).toMatch(/\*\*serving\*\* · version 1\.1\.0/);
  expect(promoted.reactions).toEqual(['eyes', 'rocket']);

  // The aks target keeps no undo of its own: the answer says what to comment instead.
  const back = await run('/rollback production');
  expect(back.answer).toContain('DOVE_UNSUPPORTED');
  expect(back.answer).toContain('`/deploy production --version <previous>`');
  expect(back.reactions).toEqual(['eyes', '-1']);
  expect((await run('/deploy production --version 1.0.0')).answer).toContain('version 1.0.0');
  expect((await run('/promote production')).answer).toMatch(/\*\*serving\*\* · version 1\.0\.0/);

  await run('/deploy production --version 1.2.0');
  const rejected = await run('/reject production');
  expect(rejected.answer).toContain('Rejected the new version of `production`');
  expect(rejected.answer).toMatch(/version 1\.0\.0/);

  const deployments = [...world.gh.repo(REPO).deployments.values()].filter(
    (d) => d.environment === 'production',
  );
  expect(deployments.map((d) => d.task)).toEqual([
    'deploy:dove-bot:deploy',
    'deploy:dove-bot:deploy',
    'deploy:dove-bot:promote',
    'deploy:dove-bot:rollback',
    'deploy:dove-bot:deploy',
    'deploy:dove-bot:promote',
    'deploy:dove-bot:deploy',
    'deploy:dove-bot:reject',
  ]);
  expect(deployments.every((d) => d.statuses.at(-1)?.state !== 'in_progress')).toBe(true);
});
