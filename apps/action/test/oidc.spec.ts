// GitHub OIDC login: the Action asks the runner for a fresh ID token on every token request,
// so a deploy that outlives one ID token keeps working; a workflow the federated credential
// does not name is refused with Entra's reason.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { oidcInputs, REPO, runAction, startWorld, type World } from './harness.ts';

let world: World;
beforeAll(async () => {
  // ID tokens live 3 s here (GitHub's about 10 minutes); access tokens 15 s.
  world = await startWorld({ oidcLifetimeSeconds: 3, sandbox: { storage: false, tokenLifetimeSeconds: 15 } });
}, 120_000);
afterAll(async () => world?.stop());

test('a deploy that outlives the ID token succeeds: each token request presents a new ID token', async () => {
  // Hold the container group write for 6 s: every token fetched before it has expired after it.
  world.sandbox.faults.add({
    api: 'arm',
    method: 'PUT',
    pathIncludes: '/containerGroups/',
    times: 1,
    fault: { type: 'delay', ms: 6000 },
  });
  world.sandbox.resetRequests();
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  world.sandbox.faults.clear();
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs.decision).toBe('succeeded');

  const issued = world.oidc.issued;
  expect(issued.length).toBeGreaterThanOrEqual(2);
  expect(new Set(issued.map((c) => c.jti)).size).toBe(issued.length);
  // Some ID token was issued after the first one had expired (iat is back-dated 5 s).
  const first = issued[0] as { exp: number };
  expect(issued.some((c) => (c.iat as number) + 5 >= first.exp)).toBe(true);
  // Every exchange at the token endpoint was accepted (an ID token kept from the start would be
  // refused as expired, AADSTS700024); ARM saw no expired token.
  const tokenCalls = world.sandbox.requests().filter((q) => q.api === 'token' && q.method === 'POST');
  expect(tokenCalls.length).toBeGreaterThanOrEqual(2);
  expect(tokenCalls.every((q) => q.status === 200)).toBe(true);
  expect(world.sandbox.requests().filter((q) => q.api === 'arm' && q.status === 401)).toEqual([]);
});

test('a workflow the federated credential does not name is refused (AADSTS700213), exit 1 with what to do', async () => {
  world.oidc.setClaims({ sub: `repo:${REPO}:ref:refs/heads/feature` });
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  world.oidc.setClaims({ sub: `repo:${REPO}:environment:dev` });
  expect(r.code).toBe(1);
  expect(r.outputs.decision).toBe('failed');
  expect(r.stdout).toMatch(/::error::[A-Z_]+: .*AADSTS700213.*repo:acme\/models:ref:refs\/heads\/feature/);
  // The hint says which federated credential the app needs for this workflow.
  expect(r.stdout).toContain(
    `add a federated credential to app ${world.sandbox.profile.sandbox.clientId} with issuer ${world.oidc.issuer} and subject repo:${REPO}:ref:refs/heads/feature`,
  );
});

test('OIDC without `id-token: write`: a located error naming the permission', async () => {
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    oidc: false,
    inputs: { ...oidcInputs(world), target: 'dev' },
  });
  expect(r.code).toBe(1);
  expect(r.stdout).toContain(
    '::error::DOVE_AUTH: workflow permissions.id-token: OIDC login: the job cannot request an ID token',
  );
  expect(r.stdout).toContain('permissions: id-token: write');
});

test('without client-id: no ID token is asked for; the cloud profile names the login (the sandbox service principal)', async () => {
  const before = world.oidc.issued.length;
  const { 'client-id': _c, 'tenant-id': _t, ...rest } = oidcInputs(world);
  const r = await runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...rest, target: 'dev', 'dry-run': 'true' },
  });
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(JSON.parse(r.outputs.result as string)).toMatchObject({ login: 'sandbox', decision: 'dry-run' });
  expect(world.oidc.issued.length).toBe(before);
  expect(r.stdout).toContain(`::add-mask::${world.sandbox.profile.sandbox.clientSecret}`);
});
