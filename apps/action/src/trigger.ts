// What the workflow run asks for, from the event that started it and the inputs:
// `release` (the version comes from the tag), `deployment` (the payload says what to deploy),
// or any other event (`workflow_dispatch`, `push`...) with explicit inputs.
import { DoveError } from '@dove/deploy-core';
import { COMMANDS, type Command, type Inputs, inputError, parseVars } from './inputs.ts';

/** The payload of a GitHub Deployment that Dove creates or reads (`payload.dove`). */
export interface DovePayload {
  command?: Command;
  environment?: string;
  version?: string;
  dryRun?: boolean;
  sha?: string;
  /** spec variables: `{ "KEY": "value" }` or `["KEY=value"]` */
  args?: Record<string, string> | string[];
}

export interface Trigger {
  event: string;
  command: Command;
  /** environment name or kind, as given */
  target: string;
  version?: string;
  dryRun: boolean;
  /** spec variables from the deployment payload */
  vars: Record<string, string>;
  /** the GitHub Deployment to report to, when the event is one */
  deploymentId?: number;
  ref: string;
  sha: string;
  /** the release tag, for the model store's metadata */
  releaseTag?: string;
  /** set when the event is one the Action ignores (e.g. a release edited) */
  skip?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: webhook payloads are untyped JSON, checked field by field
type Json = Record<string, any>;

interface EventContext {
  eventName: string;
  payload: Json;
  ref: string;
  sha: string;
}

/** `v1.2.3` → `1.2.3`; `iris@v1.2.3`, `iris-v1.2.3`, `models/iris/1.2.3` → `1.2.3`. */
export function versionFromTag(tag: string): string | undefined {
  const m = /(?:^|[-/@_])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?)$/.exec(tag.trim());
  return m?.[1];
}

/**
 * The Dove bot in `bot` mode records a Deployment for a deploy it runs itself (payload
 * `{ doveBot: { mode: 'bot' } }`, no `dove` key): a workflow on `deployment` must not run it again.
 */
function carriedOutByBot(deployment: Json): string | undefined {
  let payload: unknown = deployment.payload;
  if (typeof payload === 'string') {
    try {
      payload = JSON.parse(payload);
    } catch {
      return undefined;
    }
  }
  const p = payload as { dove?: unknown; doveBot?: { mode?: unknown; command?: unknown } } | null;
  if (!p || p.dove !== undefined || !p.doveBot || p.doveBot.mode !== 'bot') return undefined;
  return `deployment ${deployment.id} is run by the Dove bot itself (bot mode${typeof p.doveBot.command === 'string' ? `: ${p.doveBot.command}` : ''}); the Action carries out only deployments whose payload has "dove"`;
}

function payloadOf(deployment: Json): DovePayload {
  let payload: unknown = deployment.payload ?? {};
  if (typeof payload === 'string') {
    try {
      payload = payload.trim() ? JSON.parse(payload) : {};
    } catch (e) {
      throw new DoveError(
        'DOVE_BAD_INPUT',
        `deployment ${deployment.id}: payload is not JSON (${(e as Error).message})`,
        {
          location: { file: 'GITHUB_EVENT_PATH', path: 'deployment.payload' },
          hint: 'Create the deployment with payload {"dove": {"command": "deploy", "environment": "..."}} (see docs/action.md).',
        },
      );
    }
  }
  const dove = (payload as { dove?: unknown })?.dove;
  if (dove === undefined) return {};
  if (typeof dove !== 'object' || dove === null || Array.isArray(dove))
    throw new DoveError('DOVE_BAD_INPUT', `deployment ${deployment.id}: payload.dove must be an object`, {
      location: { file: 'GITHUB_EVENT_PATH', path: 'deployment.payload.dove' },
      hint: 'See the payload shape in docs/action.md.',
    });
  const d = dove as Record<string, unknown>;
  const where = (field: string) => ({ file: 'GITHUB_EVENT_PATH', path: `deployment.payload.dove.${field}` });
  const fail = (field: string, expected: string) =>
    new DoveError(
      'DOVE_BAD_INPUT',
      `deployment ${deployment.id}: payload.dove.${field} must be ${expected}, got ${JSON.stringify(d[field])}`,
      { location: where(field), hint: 'See the payload shape in docs/action.md.' },
    );
  if (d.command !== undefined && !(COMMANDS as readonly unknown[]).includes(d.command))
    throw fail('command', `one of ${COMMANDS.join(', ')}`);
  for (const f of ['environment', 'version', 'sha'] as const)
    if (d[f] !== undefined && d[f] !== null && typeof d[f] !== 'string') throw fail(f, 'a string');
  if (d.dryRun !== undefined && typeof d.dryRun !== 'boolean') throw fail('dryRun', 'true or false');
  if (
    d.args !== undefined &&
    !(Array.isArray(d.args) && d.args.every((a) => typeof a === 'string')) &&
    !(
      typeof d.args === 'object' &&
      d.args !== null &&
      Object.values(d.args).every((v) => typeof v === 'string')
    )
  )
    throw fail('args', 'an object of strings or a list of KEY=value strings');
  return d as DovePayload;
}

function argsToVars(args: DovePayload['args']): Record<string, string> {
  if (!args) return {};
  if (Array.isArray(args)) return parseVars(args.join('\n'), 'deployment.payload.dove.args');
  return { ...args };
}

export function triggerOf(ctx: EventContext, inputs: Inputs): Trigger {
  const base = {
    event: ctx.eventName,
    command: (inputs.command || 'deploy') as Command,
    target: inputs.target,
    ...(inputs.version ? { version: inputs.version } : {}),
    dryRun: inputs.dryRun,
    vars: {},
    ref: ctx.ref,
    sha: ctx.sha,
  };
  let t: Trigger = base;
  if (ctx.eventName === 'release') {
    const release = ctx.payload.release ?? {};
    const tag = String(release.tag_name ?? '');
    if (!['published', 'released', 'prereleased', 'created'].includes(String(ctx.payload.action)))
      return {
        ...base,
        skip: `release ${tag} was ${ctx.payload.action}; Dove deploys on published releases`,
      };
    if (release.draft) return { ...base, skip: `release ${tag} is a draft` };
    const version = inputs.version || versionFromTag(tag);
    if (!version)
      throw new DoveError(
        'DOVE_BAD_INPUT',
        `release tag "${tag}" holds no version (expected v1.2.3, 1.2.3 or name-v1.2.3)`,
        {
          location: { file: 'GITHUB_EVENT_PATH', path: 'release.tag_name' },
          hint: 'Tag releases with a semantic version, or set the `version` input.',
        },
      );
    t = { ...base, version, ref: tag || ctx.ref, releaseTag: tag };
  } else if (ctx.eventName === 'deployment') {
    const deployment = ctx.payload.deployment ?? {};
    const bot = carriedOutByBot(deployment);
    if (bot) return { ...base, skip: bot };
    const dove = payloadOf(deployment);
    t = {
      ...base,
      command: dove.command ?? (inputs.command || 'deploy'),
      // The deployment says where: its payload, else its environment.
      target: dove.environment || String(deployment.environment ?? '') || inputs.target,
      ...(dove.version ? { version: dove.version } : {}),
      dryRun: dove.dryRun ?? inputs.dryRun,
      vars: argsToVars(dove.args),
      deploymentId: Number(deployment.id),
      ref: String(deployment.ref ?? ctx.ref),
      sha: dove.sha || String(deployment.sha ?? ctx.sha),
    };
  }
  if (!t.target)
    throw inputError(
      'target',
      'is required: name the environment of the spec to deploy (or a kind used by exactly one environment)',
      "Set `target: dev` (an environment under `targets:` in the spec) in the step's `with:`.",
    );
  return t;
}
