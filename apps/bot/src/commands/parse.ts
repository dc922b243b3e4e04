// The command language of pull-request comments. Pure: no I/O, never throws. A comment whose
// first line does not start with "/" is not for Dove (null); anything else is a command or an
// error that says what was wrong and how to write it.

export type Command =
  | {
      name: 'deploy';
      target: string;
      dryRun: boolean;
      version?: string;
      /** `key=value` words, handed to the spec as variables when `.github/dove.yml` allows them */
      params: Record<string, string>;
    }
  | { name: 'plan' | 'rollback' | 'promote' | 'reject' | 'unlock'; target: string }
  | { name: 'status'; target?: string }
  | { name: 'lock'; target: string; reason?: string }
  | { name: 'help' };

export type CommandName = Command['name'];

export type ParseResult =
  | { ok: true; command: Command }
  | { ok: false; command?: CommandName; error: string; usage: string };

export interface CommandHelp {
  name: CommandName;
  usage: string;
  summary: string;
}

export const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'deploy',
    usage: '/deploy <target> [--dry-run] [--version V] [key=value ...]',
    summary:
      'plan, apply and verify the pull request head on an environment (or the only environment of a kind, e.g. `aks`); `--dry-run` stops after the plan',
  },
  { name: 'plan', usage: '/plan <target>', summary: 'show what a deploy would change, change nothing' },
  {
    name: 'rollback',
    usage: '/rollback <target>',
    summary: 'go back to the version that served before (blue-green slot, edge fallback)',
  },
  {
    name: 'promote',
    usage: '/promote <target>',
    summary: 'blue-green / canary: send all traffic to the new version',
  },
  {
    name: 'reject',
    usage: '/reject <target>',
    summary: 'blue-green / canary: drop the new version, keep the old one serving',
  },
  {
    name: 'status',
    usage: '/status [target]',
    summary: 'what serves now, and who holds each lock',
  },
  {
    name: 'lock',
    usage: '/lock <target> [--reason text]',
    summary: 'keep others from deploying an environment until `/unlock`',
  },
  { name: 'unlock', usage: '/unlock <target>', summary: 'release a lock' },
  { name: 'help', usage: '/help', summary: 'this list' },
];

const usageOf = (name: CommandName) => COMMANDS.find((c) => c.name === name)?.usage ?? '/help';

const TARGET = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_VALUE = 256;
const MAX_REASON = 200;

/** Markdown-safe quoting of user text inside an error message. */
function show(text: string): string {
  const clean = text.replace(/[`\r\n]/g, ' ').slice(0, 60);
  return `\`${clean}${text.length > 60 ? '…' : ''}\``;
}

/** Splits on whitespace; "double" or 'single' quotes keep spaces. An unclosed quote runs to the end. */
export function tokenize(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let has = false;
  for (const ch of line) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (has) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += ch;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

function fail(command: CommandName | undefined, error: string): ParseResult {
  return { ok: false, ...(command ? { command } : {}), error, usage: command ? usageOf(command) : '/help' };
}

function target(name: CommandName, word: string | undefined): string | ParseResult {
  if (word === undefined)
    return fail(
      name,
      `\`/${name}\` needs an environment, e.g. \`/${name} dev\` (or a kind such as \`aks\`).`,
    );
  if (word.startsWith('-'))
    return fail(name, `\`/${name}\` needs the environment first, before ${show(word)}.`);
  if (!TARGET.test(word))
    return fail(
      name,
      `${show(word)} is not an environment name: use letters, digits, \`-\`, \`_\` and \`.\` (at most 63).`,
    );
  return word;
}

/** The first non-empty line of a comment, if it is a slash command; else undefined. */
export function commandLine(body: string): string | undefined {
  const first = body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  return first?.startsWith('/') ? first : undefined;
}

/** Parses a comment body. null: not a command (ignore it); otherwise a command or a helpful error. */
export function parseCommand(body: string): ParseResult | null {
  if (typeof body !== 'string') return null;
  const line = commandLine(body);
  if (line === undefined) return null;
  const words = tokenize(line.slice(1));
  const word = (words.shift() ?? '').toLowerCase();
  const known = COMMANDS.find((c) => c.name === word);
  if (!known) {
    const hint = word ? `${show(`/${word}`)} is not a Dove command.` : 'A Dove command follows the `/`.';
    return fail(undefined, `${hint} Commands: ${COMMANDS.map((c) => `\`/${c.name}\``).join(', ')}.`);
  }
  const name = known.name;
  switch (name) {
    case 'help':
      return { ok: true, command: { name: 'help' } };
    case 'status': {
      if (words.length === 0) return { ok: true, command: { name: 'status' } };
      const t = target(name, words[0]);
      if (typeof t !== 'string') return t;
      if (words.length > 1) return fail(name, `Unexpected ${show(words[1] ?? '')} after the environment.`);
      return { ok: true, command: { name, target: t } };
    }
    case 'plan':
    case 'rollback':
    case 'promote':
    case 'reject':
    case 'unlock': {
      const t = target(name, words[0]);
      if (typeof t !== 'string') return t;
      if (words.length > 1)
        return fail(name, `\`/${name}\` takes only the environment; unexpected ${show(words[1] ?? '')}.`);
      return { ok: true, command: { name, target: t } };
    }
    case 'lock': {
      const t = target(name, words[0]);
      if (typeof t !== 'string') return t;
      const rest = words.slice(1);
      if (rest.length === 0) return { ok: true, command: { name, target: t } };
      const flag = rest[0] ?? '';
      let reason: string;
      if (flag === '--reason') reason = rest.slice(1).join(' ');
      else if (flag.startsWith('--reason='))
        reason = [flag.slice('--reason='.length), ...rest.slice(1)].join(' ');
      else return fail(name, `Unexpected ${show(flag)}; give a reason with \`--reason text\`.`);
      reason = reason.trim();
      if (!reason) return fail(name, '`--reason` needs a text, e.g. `--reason "load test until 5pm"`.');
      if (reason.length > MAX_REASON)
        return fail(name, `The reason is longer than ${MAX_REASON} characters.`);
      return { ok: true, command: { name, target: t, reason } };
    }
    case 'deploy': {
      const t = target(name, words[0]);
      if (typeof t !== 'string') return t;
      let dryRun = false;
      let version: string | undefined;
      const params: Record<string, string> = {};
      const rest = words.slice(1);
      for (let i = 0; i < rest.length; i++) {
        const w = rest[i] ?? '';
        if (w === '--dry-run' || w === '--noop') {
          dryRun = true;
        } else if (w === '--version' || w.startsWith('--version=')) {
          const v = w === '--version' ? rest[++i] : w.slice('--version='.length);
          if (v === undefined || v === '')
            return fail(name, '`--version` needs a value, e.g. `--version 1.2.0`.');
          if (!VERSION.test(v))
            return fail(name, `${show(v)} is not a version: letters, digits and \`.\`, \`-\`, \`+\`, \`_\`.`);
          version = v;
        } else if (w.startsWith('-')) {
          return fail(
            name,
            `Unknown option ${show(w)}; \`/deploy\` knows \`--dry-run\` and \`--version V\`.`,
          );
        } else {
          const eq = w.indexOf('=');
          if (eq <= 0) return fail(name, `Unexpected ${show(w)}: parameters are written \`key=value\`.`);
          const key = w.slice(0, eq);
          const value = w.slice(eq + 1);
          if (!KEY.test(key))
            return fail(
              name,
              `${show(key)} is not a parameter name: letters, digits and \`_\`, not starting with a digit.`,
            );
          if (value.length > MAX_VALUE)
            return fail(name, `The value of \`${key}\` is longer than ${MAX_VALUE} characters.`);
          if (Object.hasOwn(params, key)) return fail(name, `\`${key}\` is given twice.`);
          params[key] = value;
        }
      }
      return {
        ok: true,
        command: { name, target: t, dryRun, ...(version ? { version } : {}), params },
      };
    }
  }
}

/** The `/help` answer (markdown). */
export function helpText(): string {
  const rows = COMMANDS.map((c) => `| \`${c.usage}\` | ${c.summary} |`);
  return [
    '**Dove commands** (comment on a pull request):',
    '',
    '| command | what it does |',
    '| --- | --- |',
    ...rows,
    '',
    '`<target>` is an environment of the `dove.yaml` at the pull request head, or a kind (`aci`, `aks`, `edge`, `fpga`) when exactly one environment has it. Rules (who may deploy, checks, locks) are in `.github/dove.yml`.',
  ].join('\n');
}
