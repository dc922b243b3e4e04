// The bot as a real process: it refuses to start unsafe, and when it is killed in the middle of a
// deploy, the next start marks that deployment failed, says so in the comment and frees the lock.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  APP_ID,
  bot,
  botComments,
  comment,
  REPO,
  reactionsOn,
  SECRET,
  seedRepo,
  startWorld,
  type World,
  waitFor,
} from './harness.ts';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
let world: World;
const children: ChildProcess[] = [];

beforeAll(async () => {
  world = await startWorld();
  seedRepo(world.gh);
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await world?.stop();
});

function spawnBot(env: Record<string, string | undefined>) {
  const child = spawn(process.execPath, ['--conditions=@dove/source', 'src/bin.ts'], {
    cwd: appDir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

const botEnv = () => ({
  APP_ID: String(APP_ID),
  PRIVATE_KEY: world.privateKey,
  WEBHOOK_SECRET: SECRET,
  GITHUB_API_URL: world.gh.url,
  PORT: '0',
  HOST: '127.0.0.1',
  DOVE_CLOUD_PROFILE: world.sb.profilePath,
  DOVE_BOT_INSTANCE: 'bot-r',
  DOVE_BOT_COMMENT_INTERVAL_MS: '100',
  LOG_LEVEL: 'info',
});

test('refuses to start without a webhook secret, saying what to set', async () => {
  const p = spawnBot({ ...botEnv(), WEBHOOK_SECRET: undefined });
  expect(await p.exited).toBe(1);
  expect(p.err()).toContain('WEBHOOK_SECRET is not set');
  const weak = spawnBot({ ...botEnv(), WEBHOOK_SECRET: 'development' });
  expect(await weak.exited).toBe(1);
  expect(weak.err()).toContain('WEBHOOK_SECRET is too weak');
});

test('killed in the middle of a deploy: the next start marks it failed, updates the comment, releases the lock', async () => {
  // Another instance's deploy that is still running (its lock is held and fresh): left alone.
  const repo = world.gh.repo(REPO);
  const live = await fetch(`${world.gh.url}/repos/${REPO}/deployments`, {
    method: 'POST',
    headers: { authorization: `token ${world.gh.token}` },
    body: JSON.stringify({
      ref: 'a1'.repeat(20),
      environment: 'production',
      payload: {
        doveBot: {
          mode: 'bot',
          run: 'live-run',
          instance: 'bot-other',
          command: '/deploy production',
          requester: 'root',
          issue: 7,
          commentId: 1,
        },
      },
    }),
  }).then((r) => r.json() as Promise<{ id: number }>);
  repo.deployments.get(live.id)?.statuses.push({
    id: 1,
    state: 'in_progress',
    description: '',
    environment: 'production',
    environment_url: '',
    log_url: '',
    created_at: new Date().toISOString(),
  });
  const commit = (await fetch(`${world.gh.url}/repos/${REPO}/git/commits`, {
    method: 'POST',
    headers: { authorization: `token ${world.gh.token}` },
    body: JSON.stringify({
      message: `dove lock production\n\n${JSON.stringify({ holder: '@root', command: '/deploy production', since: new Date().toISOString(), expires: new Date(Date.now() + 3600_000).toISOString(), token: 't', run: 'live-run', instance: 'bot-other' })}`,
      tree: 'e'.repeat(40),
    }),
  }).then((r) => r.json())) as { sha: string };
  repo.refs.set('refs/dove-locks/production', commit.sha);

  const p = spawnBot(botEnv());
  const url = await waitFor('the bot to listen', () => /"url":"(http:[^"]+)"/.exec(p.out())?.[1]);
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  world.sb.setDelays({ provisionMs: 20_000 }); // long enough to be killed mid-apply
  const res = await comment(
    world,
    { webhookUrl: `${url}/api/github/webhooks` },
    { user: 'alice', body: '/deploy dev' },
  );
  expect(res.status).toBe(200);
  const deployment = await waitFor('the deployment in progress', () =>
    [...repo.deployments.values()].find(
      (d) => d.environment === 'dev' && d.statuses.at(-1)?.state === 'in_progress',
    ),
  );
  await waitFor('the apply step', () => botComments(world.gh).some((c) => /\| apply \| ⏳/.test(c.body)));
  expect(repo.refs.has('refs/dove-locks/dev')).toBe(true);
  p.child.kill('SIGKILL');
  await p.exited;
  // Structured logs (pino JSON), and none of the bot's or Azure's secrets in them.
  const lines = p.out().trim().split('\n');
  expect(lines.length).toBeGreaterThan(2);
  for (const line of lines) expect(JSON.parse(line)).toMatchObject({ app: 'dove-bot', instance: 'bot-r' });
  for (const secret of [
    SECRET,
    world.sb.profile.sandbox.clientSecret,
    world.privateKey.split('\n')[1] ?? 'x',
  ])
    expect(p.out() + p.err()).not.toContain(secret);
  world.sb.setDelays({ provisionMs: 30 });

  const restarted = await bot(world, { instance: 'bot-r' });
  try {
    const report = await restarted.recovered;
    expect(report?.interrupted).toEqual([{ repo: REPO, deployment: deployment.id, environment: 'dev' }]);
    expect(report?.released).toEqual([{ repo: REPO, environment: 'dev' }]);
    expect(deployment.statuses.at(-1)).toMatchObject({ state: 'error' });
    expect(deployment.statuses.at(-1)?.description).toContain('interrupted: the Dove bot (bot-r) stopped');
    expect(repo.refs.has('refs/dove-locks/dev')).toBe(false);
    const status = botComments(world.gh).find((c) => c.body.includes('`/deploy dev` by @alice'))?.body ?? '';
    expect(status).toContain('the deploy was interrupted');
    expect(status).toContain('Next step: comment `/status dev`');
    expect(reactionsOn(world.gh, res.commentId)).toEqual(['eyes', '-1']);
    // The other instance's running deploy is untouched.
    expect(repo.deployments.get(live.id)?.statuses.at(-1)?.state).toBe('in_progress');
    expect(repo.refs.has('refs/dove-locks/production')).toBe(true);
    // And the environment can be deployed again at once.
    const again = await comment(world, restarted, { user: 'alice', body: '/lock dev' });
    await restarted.idle();
    expect(reactionsOn(world.gh, again.commentId)).toEqual(['eyes', 'rocket']);
  } finally {
    await restarted.close();
  }
});
