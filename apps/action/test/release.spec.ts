// A release is published: the bundled Action logs in with GitHub OIDC, deploys the tag's
// version to ACI on the sandbox, records a GitHub Deployment, writes outputs and a summary,
// and never prints a secret.
import { BlobLeaseLockStore } from '@dove/deploy-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  examplePayload,
  masked,
  oidcInputs,
  REPO,
  runAction,
  startWorld,
  visible,
  type World,
} from './harness.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld();
}, 120_000);
afterAll(async () => world?.stop());

const release = (tag: string, action = 'published') =>
  examplePayload('release', action, { action, release: { tag_name: tag, draft: false, prerelease: false } });

test('release v1.2.3 → deploys version 1.2.3 to dev with OIDC and reports it everywhere', async () => {
  const r = await runAction(world, {
    event: 'release',
    payload: release('v1.2.3'),
    inputs: { ...oidcInputs(world), target: 'dev', spec: 'dove.yaml' },
  });
  expect(r.code, r.stdout + r.stderr).toBe(0);

  // Outputs.
  expect(r.outputs.decision).toBe('succeeded');
  expect(r.outputs.version).toBe('1.2.3');
  expect(r.outputs.environment).toBe('dev');
  expect(r.outputs['scoring-uri']).toMatch(
    /^http:\/\/iris-classifier-dev-[0-9a-f]{6}\.westeurope\.azurecontainer\.io:5001\/score$/,
  );
  expect(r.outputs['swagger-uri']).toMatch(/:5001\/swagger\.json$/);
  const result = JSON.parse(r.outputs.result as string);
  expect(result).toMatchObject({
    command: 'deploy',
    decision: 'succeeded',
    trigger: 'release',
    environment: 'dev',
    kind: 'aci',
    model: 'iris-classifier',
    version: '1.2.3',
    login: 'oidc',
    ref: 'v1.2.3',
    smoke: { ok: true, status: 200 },
  });
  expect(JSON.parse(r.outputs.plan as string)).toMatchObject({ action: 'create' });

  // A GitHub Deployment for dev, in progress then successful with the scoring URI.
  const deployments = [...world.github.repo(REPO).deployments.values()];
  expect(deployments).toHaveLength(1);
  const d = deployments[0];
  expect(String(d?.id)).toBe(r.outputs['deployment-id']);
  expect(d).toMatchObject({ environment: 'dev', ref: expect.any(String) });
  expect(d?.payload).toMatchObject({ dove: { command: 'deploy', environment: 'dev', version: '1.2.3' } });
  expect(d?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
  expect(d?.statuses[1]?.environment_url).toBe(r.outputs['scoring-uri']);
  expect(d?.statuses[1]?.log_url).toBe(`https://github.com/${REPO}/actions/runs/4242`);

  // The job summary: what went where, the plan, the smoke test, timings.
  expect(r.summary).toContain('Dove deploy: dev (aci)');
  expect(r.summary).toContain('1.2.3');
  expect(r.summary).toContain(r.outputs['scoring-uri']);
  expect(r.summary).toMatch(/<h3>Plan<\/h3>[\s\S]*create/);
  expect(r.summary).toMatch(/<h3>Smoke test<\/h3>[\s\S]*passed: HTTP 200/);
  expect(r.summary).toContain('<h3>Timings</h3>');

  // Log groups per step.
  expect(r.stdout).toContain('::group::plan dev');
  expect(r.stdout).toContain('::group::apply dev');
  expect(r.stdout).toContain('::group::verify dev');
  expect(r.stdout).toContain('::endgroup::');

  // The OIDC login really happened: tokens issued, exchanged at the sandbox's token endpoint.
  expect(world.oidc.issued.length).toBeGreaterThanOrEqual(1);
  expect(world.oidc.issued[0]).toMatchObject({
    aud: 'api://AzureADTokenExchange',
    sub: `repo:${REPO}:environment:dev`,
  });

  // Masking: the ID token, the sandbox's secret, the storage key and the model SAS are
  // registered; none of them appears anywhere else, nor in outputs or the summary.
  const secrets = masked(r.stdout);
  const p = world.sandbox.profile.sandbox;
  expect(secrets).toContain(p.clientSecret);
  expect(secrets.some((s) => s.split('.').length === 3 && s.startsWith('ey'))).toBe(true);
  const accountKey = /AccountKey=([^;]+)/.exec(p.storage?.connectionString ?? '')?.[1] as string;
  expect(secrets).toContain(accountKey);
  expect(secrets.some((s) => /sig=/.test(s))).toBe(true);
  const shown = `${visible(r.stdout)}\n${r.stderr}\n${JSON.stringify(r.outputs)}\n${r.summary}`;
  for (const s of secrets) expect(shown.includes(s), `secret ${s.slice(0, 6)}... leaked`).toBe(false);
});

test('the same release again: nothing changes (noop), the deployment still reports success', async () => {
  const r = await runAction(world, {
    event: 'release',
    payload: release('v1.2.3'),
    inputs: { ...oidcInputs(world), target: 'aci' },
  });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs.decision).toBe('noop');
  expect(r.outputs['scoring-uri']).toMatch(/:5001\/score$/);
  const d = world.github.repo(REPO).deployments.get(Number(r.outputs['deployment-id']));
  expect(d?.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);
});

test('a release that is only edited is skipped; a tag without a version is refused, located', async () => {
  const edited = await runAction(world, {
    event: 'release',
    payload: release('v1.2.3', 'edited'),
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  expect(edited.code, edited.stdout).toBe(0);
  expect(edited.outputs.decision).toBe('skipped');
  expect(edited.stdout).toContain('::notice::Nothing to do: release v1.2.3 was edited');

  const before = world.github.repo(REPO).deployments.size;
  const bad = await runAction(world, {
    event: 'release',
    payload: release('latest'),
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  expect(bad.code).toBe(1);
  expect(bad.stdout).toContain(
    '::error::DOVE_BAD_INPUT: GITHUB_EVENT_PATH release.tag_name: release tag "latest" holds no version',
  );
  expect(bad.outputs.decision).toBe('failed');
  expect(world.github.repo(REPO).deployments.size).toBe(before);
});

test('the environment lock is shared by every runner (a blob lease): a held lock fails the run, naming the holder', async () => {
  const store = new BlobLeaseLockStore({
    connectionString: world.sandbox.profile.sandbox.storage?.connectionString as string,
    container: 'dove-locks',
  });
  const held = await store.acquire({
    key: 'dev',
    owner: 'github-actions:acme/models#4141',
    reason: 'deploy 1.2.2',
    ttlMs: 60_000,
  });
  expect(held.acquired).toBe(true);
  const r = await runAction(world, {
    event: 'release',
    payload: release('v1.2.4'),
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toMatch(
    /::error::DOVE_LOCKED: Environment "dev" is locked by github-actions:acme\/models#4141 since .*\(deploy 1\.2\.2\)/,
  );
  if (held.acquired) await store.release(held.lock);
  const again = await runAction(world, {
    event: 'release',
    payload: release('v1.2.4'),
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  expect(again.code, again.stdout + again.stderr).toBe(0);
  expect(again.outputs.version).toBe('1.2.4');
  // The run released its own lock.
  expect(await store.inspect('dev')).toBeUndefined();
});
