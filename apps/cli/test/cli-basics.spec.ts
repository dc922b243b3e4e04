import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { dove } from './helpers/dove.ts';

const work = mkdtempSync(join(tmpdir(), 'dove-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('dove --help and --version', () => {
  test('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const r = await dove(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  test.each([
    'deploy',
    'plan',
    'status',
    'logs',
    'rollback',
    'promote',
    'reject',
    'destroy',
    'sandbox',
    'init',
    'validate',
    'demo',
  ])('%s --help describes the command and the global flags', async (cmd) => {
    const r = await dove([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: dove ${cmd}`);
    expect(r.stdout).toContain('--spec <file>');
    expect(r.stdout).toContain('--json');
  });
});

describe('bad input exits 2 with a message that says what to do', () => {
  test('a missing argument', async () => {
    const r = await dove(['deploy']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'target'");
  });

  test('an unknown command', async () => {
    const r = await dove(['deplyo', 'dev']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'deplyo'/);
  });

  test('a spec file that does not exist, with --json: one JSON document on stdout', async () => {
    const r = await dove(['validate', '--spec', 'nope.yaml', '--json'], { cwd: work });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      error: { code: string; message: string; hint: string };
    };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('DOVE_SPEC_NOT_FOUND');
    expect(doc.error.message).toContain('nope.yaml');
    expect(doc.error.hint).toContain('dove init');
  });

  test('a malformed --var', async () => {
    writeFileSync(join(work, 'dove.yaml'), 'apiVersion: dove/v1\n');
    const r = await dove(['plan', 'dev', '--var', 'NOEQUALS'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--var expects KEY=VALUE, got "NOEQUALS"');
  });

  test('--cloud sandbox when no sandbox runs', async () => {
    writeFileSync(join(work, 'dove.yaml'), 'apiVersion: dove/v1\n');
    const r = await dove(['status', '--cloud', 'sandbox'], {
      cwd: work,
      env: { DOVE_SANDBOX_DIR: join(work, 'no-sandbox') },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no sandbox is running');
    expect(r.stderr).toContain('dove sandbox start');
  });

  test('init with an unknown target kind', async () => {
    const r = await dove(['init', '--target', 'lambda', '--spec', join(work, 'x.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are aci, aks, edge, fpga/);
  });
});

describe('dove init', () => {
  test.each(['aci', 'aks', 'edge', 'fpga'])(
    'writes a starter spec for %s and refuses to overwrite it',
    async (kind) => {
      const file = join(work, `dove-${kind}.yaml`);
      const r = await dove(['init', '--target', kind, '--model', 'wine-quality', '--spec', file, '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ kind });
      const spec = parse(readFileSync(file, 'utf8')) as {
        apiVersion: string;
        model: { name: string };
        targets: Record<string, { kind: string }>;
      };
      expect(spec.apiVersion).toBe('dove/v1');
      expect(spec.model.name).toBe('wine-quality');
      expect(Object.values(spec.targets).map((t) => t.kind)).toEqual([kind]);
      const again = await dove(['init', '--target', kind, '--spec', file]);
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('already exists; pass --force');
    },
  );

  test('refuses a model name Azure would not accept', async () => {
    const r = await dove([
      'init',
      '--target',
      'aci',
      '--model',
      'Bad_Name',
      '--spec',
      join(work, 'bad.yaml'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("lower-case letters, digits and '-'");
  });
});
