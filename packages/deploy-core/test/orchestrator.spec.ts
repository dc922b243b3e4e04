import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import type {
  CloudProfile,
  DeployEvent,
  DoveSpec,
  Plan,
  TargetContext,
  TargetPlugin,
  TargetStatus,
} from '../src/index.ts';

import {
  createRegistry,
  DoveError,
  deploy,
  InMemoryLockStore,
  isDoveError,
  runOperation,
} from '../src/index.ts';

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as DoveError,
  );

/**
 * A test target that keeps "live state" in memory, like a tiny cloud: what serves, which
 * version, and every mutating call. Failures are switched on per version.
 */
function memoryTarget(opts: { failApplyFor?: string; failVerifyFor?: string; slowApply?: boolean } = {}) {
  const live: { version?: string; hash?: string } = {};
  const writes: string[] = [];
  const plugin: TargetPlugin<
    { size: number },
    { version: string; hash: string },
    { version?: string; hash?: string }
  > = {
    name: 'test:memory',
    kind: 'mem',
    description: 'in-memory test target',
    configSchema: z.object({ size: z.number().int().min(1).default(1) }),
    async plan(ctx) {
      const desired = { version: ctx.model.version, hash: ctx.specHash };
      const action = live.hash === desired.hash ? 'noop' : live.version ? 'update' : 'create';
      return {
        action,
        summary: `${action} ${desired.version}`,
        changes:
          action === 'noop'
            ? []
            : [{ path: 'version', kind: 'change', before: live.version, after: desired.version }],
        warnings: [],
        desired,
        previous: { ...live },
      };
    },
    async apply(ctx, plan) {
      ctx.progress('applying');
      ctx.log('info', `secret is ${ctx.secret('s3cr3t-value')}`);
      if (opts.slowApply)
        await new Promise((r, j) => {
          const t = setTimeout(r, 5000);
          ctx.signal.addEventListener('abort', () => {
            clearTimeout(t);
            j(new DoveError('DOVE_CANCELED', 'canceled'));
          });
        });
      writes.push(`apply ${plan.desired.version}`);
      if (plan.desired.version === opts.failApplyFor) throw new Error('quota exceeded in region');
      Object.assign(live, plan.desired);
      return { endpoint: { scoringUri: `mem://${plan.desired.version}/score` } };
    },
    async verify(_ctx, applied, plan) {
      if (plan.desired.version === opts.failVerifyFor)
        throw new DoveError('DOVE_SMOKE_FAILED', 'smoke test failed: 500');
      return { endpoint: applied.endpoint, smoke: { ok: true, status: 200 } };
    },
    async rollback(_ctx, plan) {
      writes.push(`rollback to ${plan.previous?.version}`);
      live.version = plan.previous?.version;
      live.hash = plan.previous?.hash;
    },
    async status(ctx): Promise<TargetStatus> {
      return {
        environment: ctx.environment,
        kind: 'mem',
        state: live.version ? 'serving' : 'absent',
        version: live.version,
        ...(live.version ? { endpoint: { scoringUri: `mem://${live.version}/score` } } : {}),
      };
    },
    async destroy() {
      writes.push('destroy');
      live.version = undefined;
      live.hash = undefined;
      return { removed: ['everything'] };
    },
  };
  return { plugin, live, writes };
}

const cloud: CloudProfile = {
  name: 'test',
  armEndpoint: 'https://arm.invalid',
  authorityHost: 'https://login.invalid',
  iotHubHostSuffix: 'x',
  storageEndpointSuffix: 'x',
};
const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3600_000 }) };
const spec = (version: string): DoveSpec => ({
  apiVersion: 'dove/v1',
  model: { name: 'iris', version, path: './model' },
  scoring: { image: 'img', port: 5001, scoreRoute: '/score', healthRoute: '/', env: {} },
  targets: { dev: { kind: 'mem', settings: { size: 1 } } },
});

describe('deploy()', () => {
  test('first deploy, then a no-op redeploy that writes nothing, then an update', async () => {
    const t = memoryTarget();
    const registry = createRegistry([t.plugin]);
    const events: DeployEvent[] = [];
    const first = await deploy({
      spec: spec('1'),
      environment: 'dev',
      registry,
      cloud,
      credential,
      onEvent: (e) => events.push(e),
    });
    expect(first.outcome).toBe('succeeded');
    expect(first.endpoint?.scoringUri).toBe('mem://1/score');
    expect(first.plan.action).toBe('create');
    expect(
      events
        .filter((e) => e.type === 'step' && e.status === 'succeeded')
        .map((e) => (e as { step: string }).step),
    ).toEqual(['load', 'resolve', 'lock', 'plan', 'apply', 'verify', 'unlock']);
    // the secret a target registered never reaches the host's events
    expect(JSON.stringify(events)).not.toContain('s3cr3t-value');
    expect(JSON.stringify(events)).toContain('***');
    const again = await deploy({ spec: spec('1'), environment: 'mem', registry, cloud, credential });
    expect(again.outcome).toBe('noop');
    expect(t.writes).toEqual(['apply 1']);
    const update = await deploy({
      spec: spec('1'),
      version: '2',
      environment: 'dev',
      registry,
      cloud,
      credential,
    });
    expect(update.outcome).toBe('succeeded');
    expect(update.version).toBe('2');
    expect(t.live.version).toBe('2');
  });

  test('dry run plans and changes nothing', async () => {
    const t = memoryTarget();
    const r = await deploy({
      spec: spec('1'),
      environment: 'dev',
      registry: createRegistry([t.plugin]),
      cloud,
      credential,
      dryRun: true,
    });
    expect(r.outcome).toBe('dry-run');
    expect(r.plan.changes).toHaveLength(1);
    expect(t.writes).toEqual([]);
  });

  test('verify failure rolls back and the previous version serves again', async () => {
    const t = memoryTarget({ failVerifyFor: '2' });
    const registry = createRegistry([t.plugin]);
    await deploy({ spec: spec('1'), environment: 'dev', registry, cloud, credential });
    const r = await deploy({ spec: spec('2'), environment: 'dev', registry, cloud, credential });
    expect(r.outcome).toBe('rolled-back');
    expect(r.error).toMatchObject({ code: 'DOVE_SMOKE_FAILED', target: 'test:memory' });
    expect(r.servingNow?.version).toBe('1');
    expect(t.writes).toEqual(['apply 1', 'apply 2', 'rollback to 1']);
  });

  test('an apply failure from a plugin is tagged with its name and rolled back', async () => {
    const t = memoryTarget({ failApplyFor: '2' });
    const registry = createRegistry([t.plugin]);
    await deploy({ spec: spec('1'), environment: 'dev', registry, cloud, credential });
    const r = await deploy({ spec: spec('2'), environment: 'dev', registry, cloud, credential });
    expect(r.outcome).toBe('rolled-back');
    expect(r.error?.message).toContain('quota exceeded');
    expect(r.error?.target).toBe('test:memory');
    expect(r.servingNow?.version).toBe('1');
  });

  test('a held lock refuses a second deploy and names the holder; the lock is released after', async () => {
    const t = memoryTarget({ slowApply: true });
    const registry = createRegistry([t.plugin]);
    const lockStore = new InMemoryLockStore();
    const ac = new AbortController();
    const first = deploy({
      spec: spec('1'),
      environment: 'dev',
      registry,
      cloud,
      credential,
      lockStore,
      owner: 'alice',
      signal: ac.signal,
    });
    await new Promise((r) => setTimeout(r, 100));
    const second = await failure(
      deploy({ spec: spec('1'), environment: 'dev', registry, cloud, credential, lockStore, owner: 'bob' }),
    );
    expect(isDoveError(second) && second.code).toBe('DOVE_LOCKED');
    expect(second.message).toContain('alice');
    ac.abort();
    const r = await first;
    // canceled during apply: rolled back, reported, lock released
    expect(r.outcome).toBe('rolled-back');
    expect(r.error?.code).toBe('DOVE_CANCELED');
    expect(await lockStore.inspect('dev')).toBeUndefined();
  });

  test('bad settings and unknown environments are located errors, before any change', async () => {
    const t = memoryTarget();
    const registry = createRegistry([t.plugin]);
    const bad = spec('1');
    (bad.targets.dev as { settings: Record<string, unknown> }).settings = { size: 0 };
    const e1 = await failure(deploy({ spec: bad, environment: 'dev', registry, cloud, credential }));
    expect(e1.code).toBe('DOVE_SETTINGS_INVALID');
    expect(e1.message).toContain('targets.dev.size');
    const e2 = await failure(deploy({ spec: spec('1'), environment: 'prod', registry, cloud, credential }));
    expect(e2.code).toBe('DOVE_TARGET_UNKNOWN');
    expect(t.writes).toEqual([]);
  });
});

describe('runOperation()', () => {
  test('status, plan, destroy, and a clear refusal for what a target cannot do', async () => {
    const t = memoryTarget();
    const registry = createRegistry([t.plugin]);
    await deploy({ spec: spec('1'), environment: 'dev', registry, cloud, credential });
    const status = (await runOperation({
      op: 'status',
      spec: spec('1'),
      environment: 'dev',
      registry,
      cloud,
      credential,
    })) as TargetStatus;
    expect(status).toMatchObject({ state: 'serving', version: '1' });
    expect(
      (
        (await runOperation({
          op: 'plan',
          spec: spec('1'),
          environment: 'dev',
          registry,
          cloud,
          credential,
        })) as Plan
      ).action,
    ).toBe('noop');
    const promote = await failure(
      runOperation({
        op: 'promote',
        spec: spec('1'),
        environment: 'dev',
        registry,
        cloud,
        credential,
      }),
    );
    expect(promote.code).toBe('DOVE_UNSUPPORTED');
    expect(
      await runOperation({ op: 'destroy', spec: spec('1'), environment: 'dev', registry, cloud, credential }),
    ).toEqual({ removed: ['everything'] });
    expect(t.live.version).toBeUndefined();
  });
});

describe('createRegistry()', () => {
  test('refuses duplicates and unnamespaced plugins', () => {
    const a = memoryTarget().plugin;
    expect(() => createRegistry([a, { ...a }])).toThrow(/registered twice/);
    expect(() => createRegistry([a, { ...a, name: 'test:other' }])).toThrow(/claimed by both/);
    expect(() => createRegistry([{ ...a, name: 'plain' }])).toThrow(/namespaced/);
  });
});

// keep the context type in use for readers: hooks receive exactly this
export type Ctx = TargetContext<{ size: number }>;

describe('deploy() from a spec file', () => {
  test('validates the deployed environment with its plugin even when other kinds are not registered', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'dove-orch-'));
    const file = join(dir, 'dove.yaml');
    const text = (size: number) =>
      `model: { name: iris, version: "1", path: ./model }\nscoring: { image: img }\ntargets:\n  dev: { kind: mem, size: ${size} }\n  far: { kind: elsewhere }\n`;
    writeFileSync(file, text(2));
    const t = memoryTarget();
    const registry = createRegistry([t.plugin]);
    const ok = await deploy({ specPath: file, environment: 'dev', registry, cloud, credential });
    expect(ok.outcome).toBe('succeeded');
    writeFileSync(file, text(0));
    const bad = await failure(deploy({ specPath: file, environment: 'dev', registry, cloud, credential }));
    expect(bad.code).toBe('DOVE_SPEC_INVALID');
    expect(bad.message).toMatch(/dove\.yaml:4:\d+ targets\.dev\.size/);
  });
});
