// Turns the global flags into what every core call needs: the spec, the cloud profile, a
// credential, the variables and a cancel signal.
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CloudProfile, DoveSpec } from '@dove/deploy-core';
import { parse, stringify } from 'yaml';
import { type Core, loadCore, loadTargets, type Registry, type TargetAvailability } from './core.ts';
import { CliError, EXIT } from './exit-codes.ts';
import type { Output } from './render/output.ts';
import { runningSandbox } from './sandbox/control.ts';
import { profileFile, sandboxDir } from './sandbox/paths.ts';

export interface GlobalOptions {
  spec: string;
  cloud?: string;
  json: boolean;
  var: string[];
}

export function parseVars(pairs: string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new CliError(`--var expects KEY=VALUE, got "${pair}"`, {
        exitCode: EXIT.badInput,
        code: 'DOVE_BAD_FLAG',
      });
    vars[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return vars;
}

/** Variables a spec can use against a cloud: the sandbox fills in its own subscription and names. */
export function cloudVariables(cloud: CloudProfile): Record<string, string> {
  const s = cloud.sandbox;
  if (!s) return {};
  return {
    AZURE_SUBSCRIPTION_ID: s.subscriptionId,
    AZURE_TENANT_ID: s.tenantId,
    AZURE_RESOURCE_GROUP: s.resourceGroups[0] ?? 'dove-sandbox',
    AZURE_LOCATION: s.location,
    ...(Object.keys(s.kubeconfigs)[0] ? { AKS_CLUSTER: Object.keys(s.kubeconfigs)[0] as string } : {}),
    ...(Object.keys(s.iotHubs)[0] ? { IOT_HUB: Object.keys(s.iotHubs)[0] as string } : {}),
    ...(Object.values(s.iotHubs)[0]
      ? { IOT_HUB_CONNECTION_STRING: Object.values(s.iotHubs)[0]?.connectionString as string }
      : {}),
  };
}

/** The running sandbox's profile file, or a bad-input error saying how to start one. */
function requireSandbox(): string {
  const dir = sandboxDir();
  if (!runningSandbox(dir))
    throw new CliError(`--cloud sandbox: no sandbox is running (looked for ${profileFile(dir)})`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_SANDBOX_NOT_RUNNING',
      hint: 'start it with `dove sandbox start`',
    });
  return profileFile(dir);
}

/** `--cloud`: `sandbox`, a profile JSON file, or a cloud name; default the running sandbox, else AzureCloud. */
export async function resolveCloud(core: Core, flag: string | undefined): Promise<CloudProfile> {
  const dir = sandboxDir();
  if (flag === 'sandbox') return core.loadCloudProfile(requireSandbox());
  if (flag) {
    const path = resolve(flag);
    if (flag.endsWith('.json') && !existsSync(path))
      throw new CliError(`--cloud ${flag}: no such profile file`, {
        exitCode: EXIT.badInput,
        code: 'DOVE_BAD_FLAG',
      });
    return core.loadCloudProfile(flag.endsWith('.json') ? path : flag);
  }
  if (runningSandbox(dir)) return core.loadCloudProfile(profileFile(dir));
  return core.loadCloudProfile(process.env.DOVE_CLOUD_PROFILE || 'AzureCloud');
}

export interface Session {
  core: Core;
  cloud: CloudProfile;
  credential: ReturnType<Core['createCredential']>;
  registry: Registry;
  targets: TargetAvailability;
  variables: Record<string, string>;
  specFile: string;
  signal: AbortSignal;
  abort(): void;
}

function envStrings(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Ctrl-C cancels the signal once; a second Ctrl-C leaves at once. */
function cancelOnSigint(out: Output): { signal: AbortSignal; abort(): void } {
  const controller = new AbortController();
  process.on('SIGINT', () => {
    if (controller.signal.aborted) process.exit(EXIT.canceled);
    out.err(out.color.yellow('canceling: finishing the current step cleanly (Ctrl-C again to quit at once)'));
    controller.abort(new Error('canceled by the user (Ctrl-C)'));
  });
  return { signal: controller.signal, abort: () => controller.abort() };
}

export async function openSession(
  opts: GlobalOptions,
  out: Output,
  extraVars: Record<string, string> = {},
): Promise<Session> {
  const specFile = resolve(opts.spec);
  if (!existsSync(specFile))
    throw new CliError(`${opts.spec}: no such spec file`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_SPEC_NOT_FOUND',
      hint: 'pass --spec <file>, or write one with `dove init`',
    });
  const flagVars = parseVars(opts.var);
  if (opts.cloud === 'sandbox') requireSandbox();
  const core = await loadCore();
  const cloud = await resolveCloud(core, opts.cloud);
  if (cloud.sandbox) {
    out.addSecret(cloud.sandbox.clientSecret);
    for (const hub of Object.values(cloud.sandbox.iotHubs)) {
      out.addSecret(hub.connectionString);
      out.addSecret(/SharedAccessKey=([^;]+)/.exec(hub.connectionString)?.[1]);
    }
  }
  const credential = core.createCredential(cloud);
  const targets = await loadTargets();
  const registry = core.createRegistry(targets.plugins);
  // Against the sandbox its own ids win over whatever the shell holds for real Azure.
  const variables = { ...envStrings(), ...cloudVariables(cloud), ...extraVars, ...flagVars };
  return { core, cloud, credential, registry, targets, variables, specFile, ...cancelOnSigint(out) };
}

/** Environments left out of the spec because their target is not built yet (e.g. fpga). */
const notYetBuilt = new Map<string, string>();

/** The environments (and their kind) that loadSpecFor left out: their target is not built yet. */
export function environmentsNotBuilt(): [string, string][] {
  return [...notYetBuilt];
}

export async function loadSpecFor(session: Session): Promise<DoveSpec> {
  const options = { variables: session.variables, registry: session.registry };
  try {
    return await session.core.loadSpec({ file: session.specFile, ...options });
  } catch (err) {
    // An environment whose target is not built yet (fpga) must not block the others: leave it
    // out and say so if it is named. Any other issue keeps the first error, with its file:line.
    const unavailable = new Set(session.targets.unavailable.map((u) => u.kind));
    const doc = parse(readFileSync(session.specFile, 'utf8')) as {
      targets?: Record<string, { kind?: string }>;
    } | null;
    const skipped = Object.entries(doc?.targets ?? {}).filter(([, t]) => unavailable.has(String(t?.kind)));
    if (!doc?.targets || skipped.length === 0) throw err;
    for (const [env, t] of skipped) {
      notYetBuilt.set(env, String(t.kind));
      delete doc.targets[env];
    }
    try {
      const spec = await session.core.loadSpec({ text: stringify(doc), ...options });
      return { ...spec, file: session.specFile };
    } catch {
      throw err;
    }
  }
}

/** The environment a positional `<target>` names (an environment, or a kind used by exactly one). */
export function resolveEnvironment(session: Session, spec: DoveSpec, target: string): string {
  const kind = notYetBuilt.get(target) ?? ([...notYetBuilt.values()].includes(target) ? target : undefined);
  if (kind && !Object.hasOwn(spec.targets, target))
    throw new CliError(`${target}: the ${kind} target is not available yet in this build`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_NOT_AVAILABLE',
      hint: 'deploy another environment of the spec; `dove validate` lists the available targets',
    });
  return session.core.resolveTarget(spec, target).environment;
}
