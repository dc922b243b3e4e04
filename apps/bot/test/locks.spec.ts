import { Octokit } from '@octokit/core';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { GitHub } from '../src/github.ts';
import { GitHubLockStore } from '../src/lock.ts';
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
  waitFor,
} from './harness.ts';

let world: World;
let a: RunningBot;
let b: RunningBot;
let sha: string;
const lockRefs = () => [...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'));
/** The bot's latest status comment for `body` typed by `user`. */
const answerTo = (user: string, body: string) =>
  botComments(world.gh)
    .filter((c) => c.body.includes(`\`${body}\` by @${user}`))
    .at(-1)?.body;
const storeFor = (now?: () => number) =>
  new GitHubLockStore({
    octokit: new (Octokit.plugin(restEndpointMethods))({
      auth: world.gh.token,
      baseUrl: world.gh.url,
    }) as unknown as GitHub,
    owner: 'acme',
    repo: 'models',
    ...(now ? { now } : {}),
  });

beforeAll(async () => {
  world = await startWorld();
  ({ sha } = seedRepo(world.gh));
  a = await bot(world, { instance: 'bot-a' });
  b = await bot(world, { instance: 'bot-b' });
  await Promise.all([a.recovered, b.recovered]);
});
afterAll(async () => {
  await a?.close();
  await b?.close();
  await world?.stop();
});

test('a second /deploy while one runs is told who holds the lock and since when; later pushes are not deployed', async () => {
  world.sb.setDelays({ provisionMs: 4000 });
  try {
    const first = await comment(world, a, { user: 'alice', body: '/deploy dev' });
    expect(first.status).toBe(200);
    await waitFor('the lock', () => lockRefs().length === 1);
    // A push after the command: the running deploy stays pinned to the commit it was asked for.
    world.gh.addPull(REPO, { number: 7, headSha: 'b2'.repeat(20) });
    world.gh.setFile(
      REPO,
      'dove.yaml',
      SPEC.replace('DOVE_MODEL_VERSION:-1.0.0', 'DOVE_MODEL_VERSION:-5.0.0'),
      'b2'.repeat(20),
    );
    const second = await comment(world, a, { user: 'carol', body: '/deploy dev --version 9.9.9' });
    const refused = await waitFor('the refusal', () => answerTo('carol', '/deploy dev --version 9.9.9'));
    expect(refused).toContain('`dev` is locked');
    expect(refused).toMatch(/locked by @alice \(`\/deploy dev on #7`\) since \d{4}-\d\d-\d\dT/);
    expect(refused).toContain('The lock expires at');
    await a.idle();
    expect(reactionsOn(world.gh, second.commentId)).toEqual(['eyes', '-1']);
    expect(reactionsOn(world.gh, first.commentId)).toEqual(['eyes', 'rocket']);
    const deployments = [...world.gh.repo(REPO).deployments.values()];
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.sha).toBe(sha);
    expect(deployments[0]?.statuses.at(-1)?.state).toBe('success');
    const deployed = botComments(world.gh).find((c) => c.body.includes('Deployed `dev`'))?.body ?? '';
    expect(deployed).toContain('version 1.0.0');
    expect(deployed).toContain(
      'The pull request moved to `b2b2b2b` after this command; `a1a1a1a` was deployed',
    );
    expect(lockRefs()).toEqual([]);
  } finally {
    world.sb.setDelays({ provisionMs: 30 });
    world.gh.addPull(REPO, { number: 7, headSha: sha });
  }
});

test('two bot instances racing for one environment: exactly one deploys, the other answers who holds it', async () => {
  world.sb.setDelays({ provisionMs: 3000 });
  try {
    const before = world.gh.repo(REPO).deployments.size;
    const [x, y] = await Promise.all([
      comment(world, a, { user: 'alice', body: '/deploy dev NAME_SUFFIX=race' }),
      comment(world, b, { user: 'carol', body: '/deploy dev NAME_SUFFIX=race' }),
    ]);
    await Promise.all([a.idle(), b.idle()]);
    const ra = reactionsOn(world.gh, x.commentId);
    const rb = reactionsOn(world.gh, y.commentId);
    expect([ra, rb]).toContainEqual(['eyes', 'rocket']);
    expect([ra, rb]).toContainEqual(['eyes', '-1']);
    const loser = ra?.includes('-1') ? x : y;
    const winner = loser === x ? 'carol' : 'alice';
    const refusal = answerTo(loser === x ? 'alice' : 'carol', '/deploy dev NAME_SUFFIX=race') ?? '';
    expect(refusal).toContain(`locked by @${winner}`);
    expect(world.gh.repo(REPO).deployments.size).toBe(before + 1);
    expect(lockRefs()).toEqual([]);
  } finally {
    world.sb.setDelays({ provisionMs: 30 });
  }
});

test('/lock keeps others out (other instance too), the holder still deploys, /unlock frees it', async () => {
  await comment(world, a, { user: 'carol', body: '/lock dev --reason "load test until 5pm"' });
  await a.idle();
  expect(answerTo('carol', '/lock dev --reason "load test until 5pm"')).toContain(
    '`dev` is locked by @carol',
  );
  await comment(world, b, { user: 'alice', body: '/deploy dev' });
  await b.idle();
  expect(answerTo('alice', '/deploy dev')).toContain('locked by @carol (`load test until 5pm`)');
  await comment(world, b, { user: 'carol', body: '/deploy dev' });
  await b.idle();
  const mineAnswer = answerTo('carol', '/deploy dev') ?? '';
  expect(mineAnswer).toContain('Deploying under your own lock');
  expect(mineAnswer).toMatch(/Deployed `dev`|already serves/);
  expect(lockRefs()).toEqual(['refs/dove-locks/dev']); // her lock stays
  await comment(world, a, { user: 'alice', body: '/unlock dev' });
  await a.idle();
  expect(answerTo('alice', '/unlock dev')).toContain('Released the lock @carol took (`load test until 5pm`)');
  expect(lockRefs()).toEqual([]);
  await comment(world, a, { user: 'alice', body: '/unlock dev' });
  await a.idle();
  expect(answerTo('alice', '/unlock dev')).toContain('`dev` is not locked');
});

test('a stale lock (its holder crashed, the lock expired) is taken over, atomically', async () => {
  const past = Date.now() - 3 * 3600_000;
  const got = await storeFor(() => past).acquireWith(
    { key: 'dev', owner: '@ghost', reason: '/deploy dev on #1', ttlMs: 60_000 },
    { command: '/deploy dev', run: 'dead-run', instance: 'bot-gone' },
  );
  expect(got.acquired).toBe(true);
  // Two contenders at once for the expired lock: GitHub accepts one fast-forward only.
  const store = storeFor();
  const [p, q] = await Promise.all([
    store.acquire({ key: 'dev', owner: '@p', ttlMs: 60_000 }),
    store.acquire({ key: 'dev', owner: '@q', ttlMs: 60_000 }),
  ]);
  expect([p.acquired, q.acquired].filter(Boolean)).toHaveLength(1);
  const winner = p.acquired ? p.lock : q.acquired ? q.lock : undefined;
  const loser = p.acquired ? q : p;
  expect(loser.acquired ? undefined : loser.holder.owner).toBe(winner?.owner);
  if (winner) await store.release(winner);
  expect(lockRefs()).toEqual([]);

  await storeFor(() => past).acquireWith(
    { key: 'dev', owner: '@ghost', reason: '/deploy dev on #1', ttlMs: 60_000 },
    { command: '/deploy dev', run: 'dead-run', instance: 'bot-gone' },
  );
  const res = await comment(world, b, { user: 'alice', body: '/deploy dev' });
  await b.idle();
  const answer = answerTo('alice', '/deploy dev') ?? '';
  expect(answer).toContain('Took over an expired lock of @ghost');
  expect(reactionsOn(world.gh, res.commentId)).toEqual(['eyes', 'rocket']);
  expect(lockRefs()).toEqual([]);
});

test('a lock is renewed by a fast-forward of its ref; a lost lock cannot be renewed', async () => {
  let now = Date.now();
  const store = storeFor(() => now);
  const got = await store.acquire({ key: 'renew-me', owner: '@alice', ttlMs: 60_000 });
  if (!got.acquired) throw new Error('not acquired');
  const before = world.gh.repo(REPO).refs.get('refs/dove-locks/renew-me');
  now += 50_000;
  const renewed = await store.renew(got.lock, 60_000);
  expect(Date.parse(renewed.expiresAt)).toBe(now + 60_000);
  const after = world.gh.repo(REPO).refs.get('refs/dove-locks/renew-me') ?? '';
  expect(world.gh.repo(REPO).commits.get(after)?.parents).toEqual([before]);
  expect((await store.inspect('renew-me'))?.expiresAt).toBe(renewed.expiresAt);
  await store.forceRelease('renew-me');
  await expect(store.renew(got.lock, 60_000)).rejects.toMatchObject({ code: 'DOVE_LOCKED' });
});
