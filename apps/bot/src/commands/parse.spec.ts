import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { COMMANDS, helpText, parseCommand, tokenize } from './parse.ts';

describe('parseCommand', () => {
  test('the commands of the issue', () => {
    expect(parseCommand('/deploy aks')).toEqual({
      ok: true,
      command: { name: 'deploy', target: 'aks', dryRun: false, params: {} },
    });
    expect(parseCommand('/deploy dev --dry-run --version 1.2.0 region=westeurope')).toEqual({
      ok: true,
      command: {
        name: 'deploy',
        target: 'dev',
        dryRun: true,
        version: '1.2.0',
        params: { region: 'westeurope' },
      },
    });
    expect(parseCommand('/deploy dev --version=2.0.0-rc.1')).toMatchObject({
      ok: true,
      command: { version: '2.0.0-rc.1' },
    });
    expect(parseCommand('  /plan prod  \nwith a note under it')).toEqual({
      ok: true,
      command: { name: 'plan', target: 'prod' },
    });
    for (const name of ['rollback', 'promote', 'reject', 'unlock'])
      expect(parseCommand(`/${name} prod`)).toEqual({ ok: true, command: { name, target: 'prod' } });
    expect(parseCommand('/status')).toEqual({ ok: true, command: { name: 'status' } });
    expect(parseCommand('/status dev')).toEqual({ ok: true, command: { name: 'status', target: 'dev' } });
    expect(parseCommand('/lock prod --reason "load test until 5pm"')).toEqual({
      ok: true,
      command: { name: 'lock', target: 'prod', reason: 'load test until 5pm' },
    });
    expect(parseCommand('/lock prod --reason freeze for the release')).toMatchObject({
      command: { reason: 'freeze for the release' },
    });
    expect(parseCommand('/HELP')).toEqual({ ok: true, command: { name: 'help' } });
  });

  test('comments that are not commands are ignored', () => {
    for (const body of ['', 'LGTM', 'please /deploy dev', '\n\n', 'deploy dev', '> /deploy dev'])
      expect(parseCommand(body)).toBeNull();
  });

  test('mistakes get an error that says what to write', () => {
    const cases: [string, RegExp][] = [
      ['/deploy', /needs an environment, e\.g\. `\/deploy dev`/],
      ['/deploy --dry-run', /environment first/],
      ['/deploy dev --force', /Unknown option `--force`.*--dry-run/],
      ['/deploy dev --version', /`--version` needs a value/],
      ['/deploy dev --version ../../x', /is not a version/],
      ['/deploy dev oops', /`key=value`/],
      ['/deploy dev 1x=2', /not a parameter name/],
      ['/deploy dev a=1 a=2', /given twice/],
      ['/deploy de$v', /not an environment name/],
      ['/plan', /needs an environment/],
      ['/promote prod now', /takes only the environment/],
      ['/lock prod --reason', /needs a text/],
      ['/lock prod because', /--reason text/],
      ['/destroy prod', /`\/destroy` is not a Dove command.*`\/deploy`/],
      ['/', /A Dove command follows/],
    ];
    for (const [body, message] of cases) {
      const r = parseCommand(body);
      expect(r?.ok, body).toBe(false);
      if (r && !r.ok) {
        expect(r.error, body).toMatch(message);
        expect(r.usage.startsWith('/'), body).toBe(true);
      }
    }
  });

  test('user text in errors cannot break out of its code span', () => {
    const r = parseCommand('/deploy dev --x`<img src=x>`');
    expect(r?.ok).toBe(false);
    if (r && !r.ok) expect(r.error).not.toContain('`<img');
  });

  test('property: any text parses to null, a command or an error with usage, never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        for (const body of [text, `/${text}`, `/deploy ${text}`, `/lock dev --reason ${text}`]) {
          const r = parseCommand(body);
          if (r === null) continue;
          if (r.ok) expect(COMMANDS.map((c) => c.name)).toContain(r.command.name);
          else {
            expect(r.error.length).toBeGreaterThan(10);
            expect(r.usage).toMatch(/^\//);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('property: a well-formed deploy round-trips', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
    const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,10}$/);
    const value = fc.stringMatching(/^[A-Za-z0-9./:-]{0,20}$/);
    fc.assert(
      fc.property(
        name,
        fc.boolean(),
        fc.option(fc.stringMatching(/^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$/), { nil: undefined }),
        fc.dictionary(key, value, { maxKeys: 4 }),
        (target, dryRun, version, params) => {
          const words = [
            `/deploy ${target}`,
            dryRun ? '--dry-run' : '',
            version ? `--version ${version}` : '',
            ...Object.entries(params).map(([k, v]) => `${k}=${v}`),
          ];
          const r = parseCommand(words.filter(Boolean).join(' '));
          expect(r).toEqual({
            ok: true,
            command: { name: 'deploy', target, dryRun, ...(version ? { version } : {}), params },
          });
        },
      ),
    );
  });

  test('property: arbitrary whole comments (any unicode, many lines) never throw', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 80 }), { maxLength: 6 }), (lines) => {
        expect(() => parseCommand(lines.join('\n'))).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});

test('tokenize keeps quoted spaces', () => {
  expect(tokenize(`lock prod --reason "a b" 'c d' e`)).toEqual([
    'lock',
    'prod',
    '--reason',
    'a b',
    'c d',
    'e',
  ]);
  expect(tokenize('a ""')).toEqual(['a', '']);
});

test('/help lists every command', () => {
  const text = helpText();
  for (const c of COMMANDS) expect(text).toContain(c.usage);
});
