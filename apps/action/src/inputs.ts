// The Action's inputs, typed and checked. A bad value names the input, says what was
// expected and how to fix the workflow step.
import * as core from '@actions/core';
import { DoveError } from '@dove/deploy-core';

export const COMMANDS = ['deploy', 'plan', 'status', 'promote', 'reject', 'rollback', 'destroy'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Inputs {
  spec: string;
  target: string;
  version: string;
  dryRun: boolean;
  command: Command | '';
  clientId: string;
  tenantId: string;
  subscriptionId: string;
  audience: string;
  cloud: string;
  vars: Record<string, string>;
  githubToken: string;
  recordDeployment: boolean;
}

export function inputError(name: string, message: string, hint: string): DoveError {
  return new DoveError('DOVE_BAD_INPUT', `input \`${name}\`: ${message}`, {
    hint,
    location: { file: 'action.yml', path: `inputs.${name}` },
  });
}

function bool(name: string, fallback: boolean): boolean {
  const raw = core.getInput(name).trim();
  if (raw === '') return fallback;
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw inputError(
    name,
    `expected true or false, got "${raw}"`,
    `Set \`${name}: true\` or \`${name}: false\` in the step's \`with:\`.`,
  );
}

/** `KEY=VALUE` lines (the spec's `${KEY}` variables); `#` starts a comment line. */
export function parseVars(text: string, name = 'vars'): Record<string, string> {
  const vars: Record<string, string> = {};
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) return;
    const eq = t.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(t.slice(0, eq).trim()))
      throw inputError(
        name,
        `line ${i + 1} is not KEY=VALUE: "${t.length > 40 ? `${t.slice(0, 40)}...` : t}"`,
        'Write one NAME=value per line (a YAML block scalar `vars: |`).',
      );
    vars[t.slice(0, eq).trim()] = t.slice(eq + 1).trim();
  });
  return vars;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function readInputs(): Inputs {
  const command = core.getInput('command').trim().toLowerCase();
  if (command && !(COMMANDS as readonly string[]).includes(command))
    throw inputError('command', `unknown command "${command}"`, `Use one of ${COMMANDS.join(', ')}.`);
  const inputs: Inputs = {
    spec: core.getInput('spec').trim() || 'dove.yaml',
    target: core.getInput('target').trim(),
    version: core.getInput('version').trim(),
    dryRun: bool('dry-run', false),
    command: command as Command | '',
    clientId: core.getInput('client-id').trim(),
    tenantId: core.getInput('tenant-id').trim(),
    subscriptionId: core.getInput('subscription-id').trim(),
    audience: core.getInput('audience').trim() || 'api://AzureADTokenExchange',
    cloud: core.getInput('cloud').trim() || process.env.DOVE_CLOUD_PROFILE || 'AzureCloud',
    vars: parseVars(core.getInput('vars')),
    githubToken: core.getInput('github-token').trim(),
    recordDeployment: bool('record-deployment', true),
  };
  for (const name of ['client-id', 'tenant-id', 'subscription-id'] as const) {
    const value =
      inputs[name === 'client-id' ? 'clientId' : name === 'tenant-id' ? 'tenantId' : 'subscriptionId'];
    if (value && !GUID.test(value))
      throw inputError(
        name,
        `expected a GUID (00000000-0000-0000-0000-000000000000), got "${value}"`,
        'Copy it from the app registration (client and tenant) or the subscription overview in the Azure portal.',
      );
  }
  if (inputs.clientId && !inputs.tenantId)
    throw inputError(
      'tenant-id',
      'is required with `client-id` (OIDC login)',
      'Set `tenant-id` to the directory (tenant) id of the app registration.',
    );
  if (inputs.githubToken) core.setSecret(inputs.githubToken);
  return inputs;
}
