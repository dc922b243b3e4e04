import { deliverWebhook, signWebhook } from '@dove/testkit';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningBot } from '../src/server.ts';
import {
  bot,
  botComments,
  comment,
  commentPayload,
  REPO,
  reactionsOn,
  SECRET,
  seedRepo,
  startWorld,
  type World,
  waitFor,
} from './harness.ts';

let world: World;
let b: RunningBot;
let sha: string;

beforeAll(async () => {
  world = await startWorld();
  ({ sha } = seedRepo(world.gh));
  b = await bot(world);
  await b.recovered;
});
afterAll(async () => {
  await b?.close();
  await world?.stop();
});

/** The bot's answer to one comment: its status comment (the latest) and the reactions. */
async function ask(user: string, body: string, pr = 7) {
  const before = botComments(world.gh, pr).length;
  const res = await comment(world, b, { user, body, pr });
  expect(res.status).toBe(200);
  await b.idle();
  const answers = botComments(world.gh, pr);
  expect(answers.length).toBe(before + 1);
  return { res, answer: answers.at(-1)?.body ?? '', reactions: reactionsOn(world.gh, res.commentId) ?? [] };
}

describe('webhooks', () => {
  test('health endpoint, and bad signatures are rejected without any effect', async () => {
    const health = await fetch(`${b.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', instance: 'bot-1' });

    const before = world.gh.requests.length;
    const { payload } = commentPayload(world.gh, { user: 'alice', body: '/deploy dev' });
    const forged = await deliverWebhook(b.webhookUrl, {
      name: 'issue_comment',
      payload,
      secret: 'not-the-secret',
    });
    expect(forged.status).toBe(400);
    const unsigned = await fetch(b.webhookUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': 'x',
      },
      body: JSON.stringify(payload),
    });
    expect(unsigned.status).toBeGreaterThanOrEqual(400);
    // signed for another body
    const tampered = await deliverWebhook(b.webhookUrl, {
      name: 'issue_comment',
      payload,
      secret: SECRET,
      signature: signWebhook(SECRET, '{}'),
    });
    expect(tampered.status).toBe(400);
    await b.idle();
    expect(world.gh.requests.length).toBe(before);
  });

  test('comments that are not commands, comments by bots and comments on issues are ignored', async () => {
    const before = world.gh.requests.length;
    for (const body of ['LGTM 🎉', 'please run /deploy dev', '', '```\n/deploy dev\n```'])
      expect((await comment(world, b, { user: 'alice', body })).status).toBe(200);
    await comment(world, b, { user: 'dove[bot]', body: '/deploy dev', userType: 'Bot' });
    await comment(world, b, { user: 'alice', body: '/deploy dev', onIssue: true });
    await b.idle();
    expect(world.gh.requests.length).toBe(before);
  });

  test('garbage commands get a helpful reply, 👀 then 👎, never silence', async () => {
    const { answer, reactions } = await ask('alice', '/deploy dev --force');
    expect(answer).toContain('Unknown option `--force`');
    expect(answer).toContain('/deploy <target> [--dry-run]');
    expect(answer).toContain('/help');
    expect(reactions).toEqual(['eyes', '-1']);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression typed into a comment
    const weird = await ask('alice', '/deploy \u0000\u202e💥 `rm -rf` ${{secrets.X}}');
    expect(weird.answer).toMatch(/not an environment name/);
    const unknown = await ask('alice', '/yolo');
    expect(unknown.answer).toContain('`/yolo` is not a Dove command');
  });

  test('a redelivered webhook (same delivery id) runs its command once', async () => {
    const before = botComments(world.gh).length;
    const { payload, commentId } = commentPayload(world.gh, { user: 'alice', body: '/status dev' });
    const body = JSON.stringify(payload);
    const send = () =>
      fetch(b.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-github-event': 'issue_comment',
          'x-github-delivery': 'redelivered-0001',
          'x-hub-signature-256': signWebhook(SECRET, body),
        },
        body,
      });
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    await b.idle();
    expect(botComments(world.gh).length).toBe(before + 1);
    expect(reactionsOn(world.gh, commentId)).toEqual(['eyes', 'rocket']);
  });

  test('/help lists the commands', async () => {
    const { answer, reactions } = await ask('bob', '/help');
    for (const c of ['/deploy', '/plan', '/rollback', '/promote', '/reject', '/status', '/lock', '/unlock'])
      expect(answer).toContain(c);
    expect(reactions).toEqual(['eyes', 'rocket']);
  });
});

describe('rules', () => {
  test('someone without write permission is refused politely', async () => {
    const { answer, reactions } = await ask('bob', '/deploy dev');
    expect(answer).toContain('needs the **write** permission');
    expect(answer).toContain('you have **read**');
    expect(reactions).toEqual(['eyes', '-1']);
    expect([...world.gh.repo(REPO).deployments.values()]).toHaveLength(0);
  });

  test('production needs admin (per-environment rule); a kind names its only environment', async () => {
    const { answer } = await ask('alice', '/deploy aks');
    expect(answer).toContain('`/deploy` on `production` needs the **admin** permission');
    expect(answer).toContain('you have **write**');
  });

  test('fork pull requests are refused by default', async () => {
    world.gh.addPull(REPO, { number: 8, headSha: 'f0'.repeat(20), headRepo: 'mallory/models' });
    const { answer } = await ask('alice', '/deploy dev', 8);
    expect(answer).toContain('comes from `mallory/models`');
    expect(answer).toContain('allowForks: true');
  });

  test('draft pull requests are refused', async () => {
    world.gh.addPull(REPO, { number: 9, headSha: 'd0'.repeat(20), draft: true });
    const { answer } = await ask('alice', '/deploy dev', 9);
    expect(answer).toContain('is a draft');
  });

  test('failing or pending checks on the head commit are refused, naming them', async () => {
    const head = 'c0'.repeat(20);
    world.gh.addPull(REPO, { number: 10, headSha: head });
    world.gh.setCheckRuns(REPO, head, [
      { name: 'build', conclusion: 'success' },
      { name: 'test', conclusion: 'failure' },
      { name: 'lint', conclusion: null, status: 'in_progress' },
    ]);
    const { answer, reactions } = await ask('alice', '/deploy dev', 10);
    expect(answer).toContain('Checks have not passed on `c0c0c0c`');
    expect(answer).toContain('`test` is failure');
    expect(answer).toContain('`lint` is still in_progress');
    expect(answer).not.toContain('`build`');
    expect(reactions).toEqual(['eyes', '-1']);
  });

  test('settings that are wrong for the environment are reported before anything is locked or recorded', async () => {
    const deployments = world.gh.repo(REPO).deployments.size;
    const { answer, reactions } = await ask('alice', '/deploy dev NAME_SUFFIX=Not_Valid');
    expect(answer).toContain('targets.dev.name');
    expect(answer).toContain('**Next step:**');
    expect(reactions).toEqual(['eyes', '-1']);
    expect(world.gh.repo(REPO).deployments.size).toBe(deployments);
    expect([...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'))).toEqual([]);
  });

  test('parameters not allowed by .github/dove.yml are refused', async () => {
    const { answer } = await ask('alice', '/deploy dev AZURE_SUBSCRIPTION_ID=evil');
    expect(answer).toContain('`AZURE_SUBSCRIPTION_ID` may not be set from a comment');
  });
});

describe('deploys', () => {
  test('dry run: a plan in the comment, nothing created, no lock, no deployment', async () => {
    const { answer, reactions } = await ask('alice', '/deploy dev --dry-run');
    expect(answer).toContain('Plan for `dev` (aci)');
    expect(answer).toContain('**Plan:** create');
    expect(reactions).toEqual(['eyes', 'rocket']);
    expect(world.sb.requests().filter((r) => r.api === 'arm' && r.method === 'PUT')).toHaveLength(0);
    expect([...world.gh.repo(REPO).deployments.values()]).toHaveLength(0);
    expect([...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'))).toEqual([]);
  });

  test('a full deploy: comment with steps, scoring URI and smoke test; Deployment pinned to the SHA with statuses; lock released', async () => {
    const res = await comment(world, b, { user: 'alice', body: '/deploy dev' });
    expect(res.status).toBe(200);
    await b.idle();
    const answer = botComments(world.gh).at(-1)?.body ?? '';
    expect(answer).toContain('Deployed `dev` (aci) — version 1.0.0');
    expect(answer).toMatch(
      /\*\*Scoring URI:\*\* http:\/\/iris-bot-dev-[a-z0-9]+\.westeurope\.azurecontainer\.io:5001\/score/,
    );
    expect(answer).toContain('**Smoke test:** passed, HTTP 200');
    for (const step of ['lock', 'plan', 'apply', 'verify', 'unlock'])
      expect(answer).toMatch(new RegExp(`\\| ${step} \\| ✅`));
    expect(reactionsOn(world.gh, res.commentId)).toEqual(['eyes', 'rocket']);
    const [d] = [...world.gh.repo(REPO).deployments.values()];
    expect(d).toMatchObject({ sha, environment: 'dev' });
    expect(d?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
    expect(d?.statuses[1]?.environment_url).toMatch(/\/score$/);
    expect(d?.payload).toMatchObject({
      doveBot: { mode: 'bot', requester: 'alice', commentId: res.commentId },
    });
    expect([...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'))).toEqual([]);
    // The scoring endpoint really answers (through the sandbox's published address).
    const status = await ask('alice', '/status dev');
    expect(status.answer).toContain('**serving** · version 1.0.0');
  });

  test('no secret of the bot or of Azure appears in any comment or status', async () => {
    const p = world.sb.profile;
    const secrets = [p.sandbox.clientSecret, world.privateKey.split('\n')[1] ?? 'x', SECRET];
    for (const hub of Object.values(p.sandbox.iotHubs)) secrets.push(hub.connectionString);
    const repo = world.gh.repo(REPO);
    const texts = [
      ...[...repo.comments.values()].map((c) => c.body),
      ...[...repo.deployments.values()].flatMap((d) => [
        JSON.stringify(d.payload),
        ...d.statuses.map((s) => JSON.stringify(s)),
      ]),
    ];
    expect(texts.length).toBeGreaterThan(5);
    for (const t of texts) for (const s of secrets) expect(t).not.toContain(s);
  });

  test('a failing deploy rolls back: the previous version keeps serving and the comment says what to do', async () => {
    const res = await comment(world, b, {
      user: 'alice',
      body: '/deploy dev --version 2.0.0 FAULT=crash-on-start',
    });
    expect(res.status).toBe(200);
    await b.idle();
    const answer = botComments(world.gh).at(-1)?.body ?? '';
    expect(answer).toContain('Deploy of `dev` failed — rolled back');
    expect(answer).toContain('crashing on start on purpose');
    expect(answer).toContain('**Next step:**');
    expect(answer).toMatch(/The previous version keeps serving: \*\*serving\*\* · version 1\.0\.0/);
    expect(answer).toMatch(/\| rollback \| ✅/);
    expect(reactionsOn(world.gh, res.commentId)).toEqual(['eyes', '-1']);
    const last = [...world.gh.repo(REPO).deployments.values()].at(-1);
    expect(last?.statuses.map((s) => s.state)).toEqual(['in_progress', 'failure']);
    expect(last?.statuses[1]?.description).toContain('rolled back');
  });
});

describe('other commands', () => {
  test('/rollback on a target that keeps no previous version says what to do instead', async () => {
    const { answer, reactions } = await ask('alice', '/rollback dev');
    expect(answer).toContain('DOVE_UNSUPPORTED');
    expect(answer).toContain('Deploy the previous version instead: `/deploy dev --version <previous>`');
    expect(reactions).toEqual(['eyes', '-1']);
    // The failed operation still released the environment.
    expect([...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'))).toEqual([]);
  });

  test('/status without a target lists every environment with its lock', async () => {
    const { answer } = await ask('bob', '/status');
    expect(answer).toContain('| dev | aci |');
    expect(answer).toContain('| production | aks | never deployed by Dove | free |');
  });

  test('an unknown environment names the ones that exist', async () => {
    const { answer } = await ask('alice', '/deploy staging');
    expect(answer).toContain('No environment or kind "staging"');
    expect(answer).toContain('dev (aci), production (aks)');
  });

  test('a broken .github/dove.yml is answered with its place and what was expected', async () => {
    world.gh.setFile(REPO, '.github/dove.yml', 'permission: boss\n', 'main');
    try {
      const { answer } = await ask('alice', '/deploy dev');
      expect(answer).toContain('.github/dove.yml:1 `permission`');
      expect(answer).toContain('expected one of read, triage, write, maintain, admin');
      expect(answer).toContain('on `main` (the base branch');
    } finally {
      world.gh.repo(REPO).files.get('main')?.delete('.github/dove.yml');
    }
  });
});

test('shutting down mid-deploy: stops taking webhooks, every running command ends and reports before close resolves', async () => {
  const other = await bot(world, { instance: 'bot-stop', recover: false });
  world.sb.setDelays({ provisionMs: 3000 });
  try {
    const res = await comment(world, other, { user: 'alice', body: '/deploy dev --version 3.0.0' });
    expect(res.status).toBe(200);
    await waitFor('the deploy to be applying', () =>
      botComments(world.gh).some(
        (c) => c.body.includes('`/deploy dev --version 3.0.0`') && /\| apply \| ⏳/.test(c.body),
      ),
    );
    await other.close();
    await expect(fetch(`${other.url}/healthz`)).rejects.toThrow();
    // Canceled at the next point the target can stop (then rolled back), or finished: never left running.
    const answer =
      botComments(world.gh).find((c) => c.body.includes('`/deploy dev --version 3.0.0`'))?.body ?? '';
    expect(answer).toMatch(/### (🚀 Deployed|👎 Deploy of `dev` failed)/);
    expect(answer).not.toContain('⏳');
    const reactions = reactionsOn(world.gh, res.commentId) ?? [];
    expect(reactions[0]).toBe('eyes');
    expect(['rocket', '-1']).toContain(reactions[1]);
    const d = [...world.gh.repo(REPO).deployments.values()].at(-1);
    expect(['success', 'failure']).toContain(d?.statuses.at(-1)?.state);
    expect([...world.gh.repo(REPO).refs.keys()].filter((r) => r.startsWith('refs/dove-locks/'))).toEqual([]);
  } finally {
    world.sb.setDelays({ provisionMs: 30 });
  }
});

test('checks: `required` reads the base branch protection, a list names the checks that must pass', async () => {
  const head = 'e0'.repeat(20);
  world.gh.addPull(REPO, { number: 11, headSha: head });
  world.gh.setCheckRuns(REPO, head, [
    { name: 'build', conclusion: 'success' },
    { name: 'flaky-e2e', conclusion: 'failure' },
  ]);
  world.gh.repo(REPO).requiredChecks.set('main', ['build', 'security-scan']);
  world.gh.setFile(REPO, '.github/dove.yml', 'checks: required\nparams: [FAULT]\n', 'main');
  try {
    const required = await ask('alice', '/deploy dev', 11);
    expect(required.answer).toContain('`security-scan` has not reported on this commit');
    expect(required.answer).not.toContain('flaky-e2e'); // not required
    world.gh.setFile(REPO, '.github/dove.yml', 'checks: [build]\n', 'main');
    const named = await ask('alice', '/deploy dev', 11);
    expect(named.answer).toMatch(/Deployed `dev`|already serves/);
    expect(named.reactions).toEqual(['eyes', 'rocket']);
    world.gh.setFile(REPO, '.github/dove.yml', 'checks: [build, flaky-e2e]\n', 'main');
    const listed = await ask('alice', '/deploy dev', 11);
    expect(listed.answer).toContain('`flaky-e2e` is failure');
  } finally {
    world.gh.repo(REPO).files.get('main')?.delete('.github/dove.yml');
  }
});
