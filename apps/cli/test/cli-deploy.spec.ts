// The CLI against a real sandbox, for each command that goes through deploy-core and the ACI target.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dove } from './helpers/dove.ts';
import { irisDir } from './helpers/iris-server.ts';

describe('dove against the sandbox (ACI target)', () => {
  let sandbox: Sandbox;
  let work: string;
  let spec: string;
  const run = (args: string[]) =>
    dove([...args, '--spec', spec, '--cloud', sandbox.profilePath], {
      env: { DOVE_SANDBOX_DIR: join(work, 'none') },
    });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dove-cli-deploy-'));
    sandbox = await startSandbox({ stateDir: join(work, 'sandbox'), preset: 'test' });
    // The example with its ACI environment only, beside a copy of its model folder.
    cpSync(join(irisDir, 'model'), join(work, 'model'), { recursive: true });
    const text = readFileSync(join(irisDir, 'dove.yaml'), 'utf8');
    spec = join(work, 'dove.yaml');
    writeFileSync(spec, text.slice(0, text.indexOf('  # Production on Kubernetes')));
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('validate', async () => {
    const r = await run(['validate', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      ok: true,
      targets: [{ environment: 'dev', kind: 'aci', available: true }],
    });
  });

  test('deploy --dry-run plans a create and changes nothing', async () => {
    const r = await run(['deploy', 'dev', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      outcome: 'dry-run',
      environment: 'dev',
      plan: { action: 'create' },
    });
  });

  test('deploy serves the model; --json prints only the DeployResult', async () => {
    const r = await run(['deploy', 'dev', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as {
      outcome: string;
      version: string;
      endpoint: { scoringUri: string };
      smoke: { ok: boolean };
    };
    expect(result.outcome).toBe('succeeded');
    expect(result.version).toBe('1.0.0');
    expect(result.smoke.ok).toBe(true);
    expect(r.stdout).not.toContain(sandbox.profile.sandbox.clientSecret);
  });

  test('plan after deploy: nothing to do', async () => {
    const r = await run(['plan', 'dev', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ environment: 'dev', action: 'noop' });
  });

  test('status, human and JSON', async () => {
    const json = await run(['status', 'dev', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ environment: 'dev', state: 'serving', version: '1.0.0' });
    const human = await run(['status']);
    expect(human.stdout).toMatch(/dev\s+aci\s+serving\s+1\.0\.0/);
  });

  test('logs shows the scoring server', async () => {
    const r = await run(['logs', 'dev', '--tail', '50']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('listening on');
  });

  test('a spec error exits 2 with file:line and the field', async () => {
    const bad = join(work, 'bad.yaml');
    writeFileSync(bad, readFileSync(spec, 'utf8').replace('port: 5001', 'port: "five"'));
    const r = await dove(['validate', '--spec', bad, '--cloud', sandbox.profilePath]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+/);
    expect(r.stderr).toContain('scoring.port');
  });

  test('an unknown target exits 2 and names the known ones', async () => {
    const r = await run(['deploy', 'staging']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dev');
  });

  test('destroy needs --yes without a terminal, then removes the deployment', async () => {
    const refused = await run(['destroy', 'dev']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    const r = await run(['destroy', 'dev', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { removed: string[] }).removed.length).toBeGreaterThan(0);
    const after = await run(['status', 'dev', '--json']);
    expect(JSON.parse(after.stdout)).toMatchObject({ state: 'absent' });
  });
});
