// The repository's rules for the bot: `.github/dove.yml`, read at the pull request's base branch
// (so a pull request cannot loosen the rules it is judged by). Every field has a safe default.
import { parseDocument } from 'yaml';
import { z } from 'zod';

export const CONFIG_PATH = '.github/dove.yml';

export const PERMISSIONS = ['read', 'triage', 'write', 'maintain', 'admin'] as const;
export type Permission = (typeof PERMISSIONS)[number];

const permission = z.enum(PERMISSIONS);
const checks = z.union([z.enum(['all', 'required', 'none']), z.array(z.string().min(1)).min(1)]);
const mode = z.enum(['bot', 'workflow']);

const environment = z.strictObject({
  permission: permission.optional(),
  checks: checks.optional(),
  mode: mode.optional(),
  production: z.boolean().optional(),
  allowForks: z.boolean().optional(),
});

export const configSchema = z.strictObject({
  /** the spec's path in the repository, read at the pull request head */
  spec: z.string().min(1).default('dove.yaml'),
  mode: mode.default('bot'),
  permission: permission.default('write'),
  checks: checks.default('all'),
  allowForks: z.boolean().default(false),
  allowDrafts: z.boolean().default(false),
  locks: z
    .strictObject({
      ttlMinutes: z
        .number()
        .int()
        .min(1)
        .max(24 * 60)
        .default(60),
      manualHours: z
        .number()
        .int()
        .min(1)
        .max(24 * 30)
        .default(24),
    })
    .default({ ttlMinutes: 60, manualHours: 24 }),
  /** `key=value` words of `/deploy` that may set spec variables; others are refused */
  params: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  environments: z.record(z.string(), environment).default({}),
});

export type BotConfig = z.infer<typeof configSchema>;

export interface EnvironmentRules {
  permission: Permission;
  checks: BotConfig['checks'];
  mode: 'bot' | 'workflow';
  production: boolean;
  allowForks: boolean;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly issues: { path: string; message: string; line?: number }[];
  constructor(issues: { path: string; message: string; line?: number }[]) {
    super(
      `${CONFIG_PATH} is not valid:\n${issues
        .map((i) => `- ${CONFIG_PATH}${i.line ? `:${i.line}` : ''} \`${i.path || '(top)'}\`: ${i.message}`)
        .join('\n')}`,
    );
    this.issues = issues;
  }
}

/** Parses and validates the file's text; no file (undefined) gives the defaults. */
export function parseConfig(text: string | undefined): BotConfig {
  if (text === undefined || text.trim() === '') return configSchema.parse({});
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => ({
        path: '',
        message: `not valid YAML: ${e.message.split('\n')[0]}`,
        ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}),
      })),
    );
  }
  const data = doc.toJS() ?? {};
  const parsed = configSchema.safeParse(data);
  if (parsed.success) return parsed.data;
  const lineOf = (path: PropertyKey[]) => {
    const node = doc.getIn(path.map(String), true) as { range?: [number, number] } | undefined;
    const offset = node?.range?.[0];
    return offset === undefined ? undefined : text.slice(0, offset).split('\n').length;
  };
  throw new ConfigError(
    parsed.error.issues.map((i) => {
      const line = lineOf(i.path);
      return {
        path: i.path.map(String).join('.'),
        message: `${i.message}${expected(i.path)}`,
        ...(line ? { line } : {}),
      };
    }),
  );
}

function expected(path: PropertyKey[]): string {
  const last = String(path.at(-1));
  if (last === 'permission') return ` (expected one of ${PERMISSIONS.join(', ')})`;
  if (last === 'checks') return ' (expected all, required, none, or a list of check names)';
  if (last === 'mode') return ' (expected bot or workflow)';
  return '';
}

/** The rules that apply to one environment (its overrides over the top-level ones). */
export function rulesFor(config: BotConfig, environment: string): EnvironmentRules {
  const e = config.environments[environment] ?? {};
  return {
    permission: e.permission ?? config.permission,
    checks: e.checks ?? config.checks,
    mode: e.mode ?? config.mode,
    production: e.production ?? /^prod/i.test(environment),
    allowForks: e.allowForks ?? config.allowForks,
  };
}

/** True when `have` is at least `need` (read < triage < write < maintain < admin). */
export function permits(have: string, need: Permission): boolean {
  const rank = PERMISSIONS.indexOf(have as Permission);
  return rank >= 0 && rank >= PERMISSIONS.indexOf(need);
}
