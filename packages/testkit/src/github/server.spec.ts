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
});
