// A world for the bot's tests: a local GitHub API that knows the app (real RS256 key pair), the
// sandbox standing in for Azure, real webhook payloads signed and delivered over HTTP.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { deliverWebhook, type GitHubApi, startGitHubApi } from '@dove/testkit';
import { pino } from 'pino';
import { type RunningBot, startBot } from '../src/server.ts';

const require = createRequire(import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: example payloads are untyped JSON, adapted field by field
const examples = require('@octokit/webhooks-examples') as { name: string; examples: Record<string, any>[] }[];

export const APP_ID = 4242;
export const INSTALLATION = 77;
export const REPO = 'acme/models';
export const SECRET = 'test-webhook-secret-0123456789';

export const SPEC = `apiVersion: dove/v1
model:
  name: iris-classifier
  version: \${DOVE_MODEL_VERSION:-1.0.0}
  path: model
scoring:
  image: ghcr.io/dove-examples/iris-scorer:1.0.0
  port: 5001
  scoreRoute: /score
  healthRoute: /
  sample:
    body:
      data:
        - [5.1, 3.5, 1.4, 0.2]
    expectStatus: 200
    expectKey: result
targets:
  dev:
    kind: aci
    subscription: \${AZURE_SUBSCRIPTION_ID}
    resourceGroup: \${AZURE_RESOURCE_GROUP}
    location: westeurope
    name: iris-bot-\${NAME_SUFFIX:-dev}
    readyTimeoutSeconds: 60
    env:
      DOVE_FAULT: \${FAULT:-}
  production:
    kind: aks
    cluster:
      subscription: \${AZURE_SUBSCRIPTION_ID}
      resourceGroup: \${AZURE_RESOURCE_GROUP}
      name: dove-aks
    namespace: iris
`;

export const RULES = `params: [FAULT, NAME_SUFFIX]
environments:
  production:
    permission: admin
`;

export interface World {
  gh: GitHubApi;
  sb: Sandbox;
  privateKey: string;
  stateDir: string;
  stop(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateKey = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const gh = await startGitHubApi();
  gh.addApp({ id: APP_ID, publicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() });
  const stateDir = mkdtempSync(join(tmpdir(), 'dove-bot-'));
  const sb = await startSandbox({ stateDir, storage: false, delays: { provisionMs: 30 } });
  return {
    gh,
    sb,
    privateKey,
    stateDir,
    async stop() {
      await sb.stop();
      await gh.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

/** A repository with the spec and rules, people with each permission, one open PR. */
export function seedRepo(
  gh: GitHubApi,
  name = REPO,
  o: { spec?: string; rules?: string; pr?: number; sha?: string } = {},
) {
  const [owner = 'acme', repo = 'models'] = name.split('/');
  gh.addRepo({
    owner,
    name: repo,
    installationId: INSTALLATION,
    collaborators: { alice: 'write', carol: 'write', root: 'admin', bob: 'read', mia: 'maintain' },
    files: { 'dove.yaml': o.spec ?? SPEC, '.github/dove.yml': o.rules ?? RULES },
  });
  const sha = o.sha ?? 'a1'.repeat(20);
  gh.addPull(name, { number: o.pr ?? 7, headSha: sha });
  gh.setCheckRuns(name, sha, [
    { name: 'build', conclusion: 'success' },
    { name: 'test', conclusion: 'success' },
  ]);
  return { sha };
}

export async function bot(
  world: World,
  o: { instance?: string; recover?: boolean } = {},
): Promise<RunningBot> {
  return startBot({
    appId: APP_ID,
    privateKey: world.privateKey,
    webhookSecret: SECRET,
    baseUrl: world.gh.url,
    port: 0,
    host: '127.0.0.1',
    cloud: world.sb.profile,
    instance: o.instance ?? 'bot-1',
    log: pino({ level: process.env.DOVE_TEST_LOG ?? 'silent' }),
    commentIntervalMs: 50,
    throttle: false,
    recover: o.recover ?? true,
  });
}

const commentExample = (() => {
  const group = examples.find((e) => e.name === 'issue_comment');
  const ex = group?.examples.find((x) => x.action === 'created');
  if (!ex) throw new Error('no issue_comment.created example in @octokit/webhooks-examples');
  return ex;
})();

/**
 * A real `issue_comment.created` payload (from @octokit/webhooks-examples), adapted: our repo,
 * our PR, the comment as the API holds it, the sender, the installation.
 */
export function commentPayload(
  gh: GitHubApi,
  o: { repo?: string; pr?: number; user: string; body: string; userType?: 'User' | 'Bot'; onIssue?: boolean },
) {
  const full = o.repo ?? REPO;
  const [owner = 'acme', name = 'models'] = full.split('/');
  const pr = o.pr ?? 7;
  const c = gh.addComment(full, pr, o.user, o.body);
  const p = structuredClone(commentExample);
  p.action = 'created';
  p.repository = { ...p.repository, name, full_name: full, owner: { ...p.repository.owner, login: owner } };
  p.issue = {
    ...p.issue,
    number: pr,
    ...(o.onIssue
      ? { pull_request: undefined }
      : {
          pull_request: {
            url: `${gh.url}/repos/${full}/pulls/${pr}`,
            html_url: `https://github.com/${full}/pull/${pr}`,
            diff_url: `https://github.com/${full}/pull/${pr}.diff`,
            patch_url: `https://github.com/${full}/pull/${pr}.patch`,
            merged_at: null,
          },
        }),
  };
  if (o.onIssue) delete p.issue.pull_request;
  p.comment = {
    ...p.comment,
    id: c.id,
    body: o.body,
    user: { ...p.comment.user, login: o.user, type: o.userType ?? 'User' },
  };
  p.sender = { ...p.sender, login: o.user, type: o.userType ?? 'User' };
  p.installation = { id: INSTALLATION, node_id: 'MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNzc=' };
  return { payload: p, commentId: c.id };
}

/** Posts a signed comment webhook to a bot; returns the HTTP answer and the comment id. */
export async function comment(
  world: World,
  b: { webhookUrl: string },
  o: Parameters<typeof commentPayload>[1],
  secret = SECRET,
) {
  const { payload, commentId } = commentPayload(world.gh, o);
  const res = await deliverWebhook(b.webhookUrl, { name: 'issue_comment', payload, secret });
  return { ...res, commentId };
}

export const deploymentStatusExample = () => {
  const group = examples.find((e) => e.name === 'deployment_status');
  const ex = group?.examples[0];
  if (!ex) throw new Error('no deployment_status example');
  return structuredClone(ex);
};

/** The bot's comments on a PR (its status comments), oldest first. */
export function botComments(gh: GitHubApi, pr = 7, repo = REPO) {
  return [...gh.repo(repo).comments.values()].filter((c) => c.issueNumber === pr && c.user === 'dove[bot]');
}

export function reactionsOn(gh: GitHubApi, commentId: number, repo = REPO) {
  return gh
    .repo(repo)
    .comments.get(commentId)
    ?.reactions.map((r) => r.content);
}

/** Polls until `fn` returns a truthy value (generous deadline: a busy 2-core machine). */
export async function waitFor<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
