import { expect, test } from 'vitest';
import { ConfigError, parseConfig, permits, rulesFor } from './config.ts';

test('no file: safe defaults (write, all checks, no forks, no drafts, bot mode)', () => {
  const c = parseConfig(undefined);
  expect(c).toMatchObject({
    spec: 'dove.yaml',
    mode: 'bot',
    permission: 'write',
    checks: 'all',
    allowForks: false,
    allowDrafts: false,
    params: [],
  });
  expect(rulesFor(c, 'dev')).toEqual({
    permission: 'write',
    checks: 'all',
    mode: 'bot',
    production: false,
    allowForks: false,
  });
  expect(rulesFor(c, 'production').production).toBe(true);
});

test('per-environment overrides', () => {
  const c = parseConfig(
    [
      'checks: required',
      'environments:',
      '  prod:',
      '    permission: admin',
      '    checks: [build, test]',
      '    mode: workflow',
    ].join('\n'),
  );
  expect(rulesFor(c, 'prod')).toMatchObject({
    permission: 'admin',
    checks: ['build', 'test'],
    mode: 'workflow',
  });
  expect(rulesFor(c, 'dev')).toMatchObject({ permission: 'write', checks: 'required', mode: 'bot' });
});

test('mistakes are located: file, line, field, what was expected', () => {
  const text = ['permission: write', 'environments:', '  prod:', '    permission: boss', 'colour: blue'].join(
    '\n',
  );
  let err: unknown;
  try {
    parseConfig(text);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  const message = (err as Error).message;
  expect(message).toContain('.github/dove.yml:4 `environments.prod.permission`');
  expect(message).toContain('expected one of read, triage, write, maintain, admin');
  expect(message).toMatch(/colour/);
  expect(() => parseConfig('a: [')).toThrow(/dove\.yml:\d+ .*not valid YAML/);
});

test('permission ranks', () => {
  expect(permits('admin', 'write')).toBe(true);
  expect(permits('maintain', 'write')).toBe(true);
  expect(permits('write', 'admin')).toBe(false);
  expect(permits('read', 'write')).toBe(false);
  expect(permits('none', 'read')).toBe(false);
});
