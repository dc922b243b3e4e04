import { createSign, generateKeyPairSync } from 'node:crypto';
import { Octokit } from '@octokit/core';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type GitHubApi, startGitHubApi } from './server.ts';

const RestOctokit = Octokit.plugin(restEndpointMethods);

describe('local GitHub API', () => {
  let gh: GitHubApi;
  let octokit: InstanceType<typeof RestOctokit>;
  beforeAll(async () => {
    gh = await startGitHubApi();
    gh.addRepo({
      owner: 'acme',
      name: 'models',
      collaborators: { alice: 'write', bob: 'read' },
      files: { 'dove.yaml': 'x: 1' },
    });
    gh.addPull('acme/models', { number: 7, headSha: 'a'.repeat(40) });
    octokit = new RestOctokit({ auth: gh.token, baseUrl: gh.url });
  });
  afterAll(() => gh.close());

  test('refuses a wrong token like GitHub', async () => {
    const bad = new RestOctokit({ auth: 'nope', baseUrl: gh.url });
    await expect(bad.rest.repos.get({ owner: 'acme', repo: 'models' })).rejects.toMatchObject({
      status: 401,
    });
  });

  test('permissions, pull requests and file contents', async () => {
    const perm = await octokit.rest.repos.getCollaboratorPermissionLevel({
      owner: 'acme',
      repo: 'models',
      username: 'bob',
    });
    expect(perm.data.permission).toBe('read');
    const pr = await octokit.rest.pulls.get({ owner: 'acme', repo: 'models', pull_number: 7 });
    expect(pr.data.head.sha).toBe('a'.repeat(40));
    expect(pr.data.head.repo?.fork).toBe(false);
    const file = await octokit.rest.repos.getContent({
      owner: 'acme',
      repo: 'models',
      path: 'dove.yaml',
      ref: pr.data.head.sha,
    });
    expect(Buffer.from((file.data as { content: string }).content, 'base64').toString()).toBe('x: 1');
  });

  test('creating an existing ref is refused (a lock), deleting frees it', async () => {
    const ref = { owner: 'acme', repo: 'models', ref: 'refs/heads/dove-lock-prod', sha: 'b'.repeat(40) };
    await octokit.rest.git.createRef(ref);
    await expect(octokit.rest.git.createRef(ref)).rejects.toMatchObject({ status: 422 });
    await octokit.rest.git.deleteRef({ owner: 'acme', repo: 'models', ref: 'heads/dove-lock-prod' });
    await octokit.rest.git.createRef(ref);
  });

  test('deployments and statuses; a newer success makes the older one inactive', async () => {
    const d1 = await octokit.rest.repos.createDeployment({
      owner: 'acme',
      repo: 'models',
      ref: 'a'.repeat(40),
      environment: 'prod',
      auto_merge: false,
      required_contexts: [],
    });
    const id1 = (d1.data as { id: number }).id;
    await octokit.rest.repos.createDeploymentStatus({
      owner: 'acme',
      repo: 'models',
      deployment_id: id1,
      state: 'success',
      environment_url: 'https://x',
    });
    const d2 = await octokit.rest.repos.createDeployment({
      owner: 'acme',
      repo: 'models',
      ref: 'a'.repeat(40),
      environment: 'prod',
      auto_merge: false,
      required_contexts: [],
    });
    const id2 = (d2.data as { id: number }).id;
    await octokit.rest.repos.createDeploymentStatus({
      owner: 'acme',
      repo: 'models',
      deployment_id: id2,
      state: 'success',
    });
    const s1 = await octokit.rest.repos.listDeploymentStatuses({
      owner: 'acme',
      repo: 'models',
      deployment_id: id1,
    });
    expect(s1.data[0]?.state).toBe('inactive');
    await expect(
      octokit.rest.repos.createDeploymentStatus({
        owner: 'acme',
        repo: 'models',
        deployment_id: id2,
        state: 'bogus' as never,
      }),
    ).rejects.toMatchObject({ status: 422 });
  });

  test('comments and reactions', async () => {
    const c = await octokit.rest.issues.createComment({
      owner: 'acme',
      repo: 'models',
      issue_number: 7,
      body: 'hello',
    });
    await octokit.rest.issues.updateComment({
      owner: 'acme',
      repo: 'models',
      comment_id: c.data.id,
      body: 'edited',
    });
    await octokit.rest.reactions.createForIssueComment({
      owner: 'acme',
      repo: 'models',
      comment_id: c.data.id,
      content: 'eyes',
    });
    const list = await octokit.rest.issues.listComments({ owner: 'acme', repo: 'models', issue_number: 7 });
    expect(list.data.map((x) => x.body)).toEqual(['edited']);
    expect(
      gh
        .repo('acme/models')
        .comments.get(c.data.id)
        ?.reactions.map((r) => r.content),
    ).toEqual(['eyes']);
  });

  test('a ref moves only by fast-forward unless forced (what makes a lock takeover atomic)', async () => {
    const o = { owner: 'acme', repo: 'models' };
    const tree = (await octokit.rest.git.createTree({ ...o, tree: [] })).data.sha;
    const c1 = (await octokit.rest.git.createCommit({ ...o, message: 'one', tree, parents: [] })).data.sha;
    const c2 = (await octokit.rest.git.createCommit({ ...o, message: 'two', tree, parents: [c1] })).data.sha;
    const c3 = (await octokit.rest.git.createCommit({ ...o, message: 'three', tree, parents: [c1] })).data
      .sha;
    await octokit.rest.git.createRef({ ...o, ref: 'refs/dove-locks/ff', sha: c1 });
    await octokit.rest.git.updateRef({ ...o, ref: 'dove-locks/ff', sha: c2, force: false });
    await expect(
      octokit.rest.git.updateRef({ ...o, ref: 'dove-locks/ff', sha: c3, force: false }),
    ).rejects.toMatchObject({ status: 422, message: expect.stringContaining('not a fast forward') });
    await octokit.rest.git.updateRef({ ...o, ref: 'dove-locks/ff', sha: c3, force: true });
    expect(gh.repo('acme/models').refs.get('refs/dove-locks/ff')).toBe(c3);
  });
});

describe('GitHub App authentication', () => {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwt = (iss: number, key = keys.privateKey, exp = 540) => {
    const now = Math.floor(Date.now() / 1000);
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const body = `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iat: now - 30, exp: now + exp, iss })}`;
    return `${body}.${createSign('RSA-SHA256').update(body).sign(key).toString('base64url')}`;
  };

  test("app JWT -> installation token -> the installation's repositories; forged JWTs refused", async () => {
    const gh = await startGitHubApi();
    try {
      gh.addApp({ id: 42, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
      gh.addRepo({ owner: 'acme', name: 'one', installationId: 7 });
      gh.addRepo({ owner: 'other', name: 'two', installationId: 8 });
      const asApp = new RestOctokit({ auth: jwt(42), baseUrl: gh.url });
      const installs = await asApp.request('GET /app/installations');
      expect((installs.data as { id: number }[]).map((i) => i.id).sort()).toEqual([7, 8]);
      const t = await asApp.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: 7,
      });
      const token = (t.data as { token: string }).token;
      const asInstall = new RestOctokit({ auth: token, baseUrl: gh.url });
      const repos = await asInstall.request('GET /installation/repositories');
      expect(
        (repos.data as { repositories: { full_name: string }[] }).repositories.map((r) => r.full_name),
      ).toEqual(['acme/one']);

      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      for (const bad of [jwt(42, other), jwt(43), jwt(42, keys.privateKey, -10), 'a.b.c']) {
        const o = new RestOctokit({ auth: bad, baseUrl: gh.url });
        await expect(
          o.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: 7 }),
        ).rejects.toMatchObject({ status: 401 });
      }
    } finally {
      await gh.close();
    }
  });
});
