// plan, status, logs, rollback, promote, reject and destroy: each one deploy-core operation.

import { createInterface } from 'node:readline/promises';
import type { Plan, TargetStatus } from '@dove/deploy-core';
import {
  environmentsNotBuilt,
  type GlobalOptions,
  loadSpecFor,
  openSession,
  resolveEnvironment,
  type Session,
} from '../context.ts';
import type { Operation } from '../core.ts';
import { CliError, EXIT, type ExitCode } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';
import { printStatusTable, statusLine } from '../render/result.ts';
import { createStepRenderer } from '../render/steps.ts';

async function run(
  session: Session,
  out: Output,
  op: Operation,
  environment: string,
  extra: { tail?: number } = {},
) {
  const spec = await loadSpecFor(session);
  const renderer = createStepRenderer(out, environment);
  // plan, status and logs read only, in well under a second: their load/resolve steps are noise
  // (and `dove logs | grep` must get the logs alone). Warnings and errors still show.
  const readOnly = op === 'plan' || op === 'status' || op === 'logs';
  try {
    return await session.core.runOperation({
      op,
      spec,
      environment,
      registry: session.registry,
      cloud: session.cloud,
      credential: session.credential,
      signal: session.signal,
      variables: session.variables,
      onEvent: (e) => {
        if (readOnly && (e.type === 'step' || e.type === 'progress')) return;
        renderer.onEvent(e);
      },
      ...extra,
    });
  } finally {
    renderer.close();
  }
}

export async function planCommand(target: string, opts: GlobalOptions, out: Output): Promise<ExitCode> {
  const session = await openSession(opts, out);
  const environment = resolveEnvironment(session, await loadSpecFor(session), target);
  const plan = (await run(session, out, 'plan', environment)) as Plan;
  if (out.json) {
    const { desired: _d, previous: _p, ...shown } = plan;
    out.document({ environment, ...shown });
    return EXIT.ok;
  }
  const c = out.color;
  out.line(
    `${c.bold(environment)}: ${plan.action === 'noop' ? c.green('nothing to do') : c.yellow(plan.action)}: ${plan.summary}`,
  );
  for (const w of plan.warnings) out.line(`  ${c.yellow('!')} ${w}`);
  for (const ch of plan.changes) {
    const sign = ch.kind === 'add' ? c.green('+') : ch.kind === 'remove' ? c.red('-') : c.yellow('~');
    out.line(`  ${sign} ${ch.path}${ch.replace ? c.red(' (replace)') : ''}`);
  }
  return EXIT.ok;
}

export async function statusCommand(
  target: string | undefined,
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const session = await openSession(opts, out);
  const spec = await loadSpecFor(session);
  const environments = target ? [resolveEnvironment(session, spec, target)] : Object.keys(spec.targets);
  const statuses: (TargetStatus | { environment: string; kind: string; error: string })[] = [];
  for (const environment of environments) {
    const kind = spec.targets[environment]?.kind ?? '?';
    if (!session.registry.get(kind)) {
      statuses.push({ environment, kind, error: 'target not available yet in this build' });
      continue;
    }
    try {
      statuses.push((await run(session, out, 'status', environment)) as TargetStatus);
    } catch (err) {
      if (target) throw err;
      statuses.push({ environment, kind, error: (err as Error).message });
    }
  }
  if (!target)
    for (const [environment, kind] of environmentsNotBuilt())
      statuses.push({ environment, kind, error: 'target not available yet in this build' });
  if (out.json) out.document(target ? statuses[0] : statuses);
  else printStatusTable(out, statuses);
  return EXIT.ok;
}

export async function logsCommand(
  target: string,
  flags: { tail?: string },
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const tail = flags.tail === undefined ? undefined : Number(flags.tail);
  if (tail !== undefined && (!Number.isInteger(tail) || tail <= 0))
    throw new CliError(`--tail expects a whole number > 0, got "${flags.tail}"`, {
      exitCode: EXIT.badInput,
      code: 'DOVE_BAD_FLAG',
    });
  const session = await openSession(opts, out);
  const environment = resolveEnvironment(session, await loadSpecFor(session), target);
  const logs = (await run(session, out, 'logs', environment, tail ? { tail } : {})) as string;
  if (out.json) out.document({ environment, logs });
  else process.stdout.write(out.mask(logs.endsWith('\n') || logs === '' ? logs : `${logs}\n`));
  return EXIT.ok;
}

/** rollback, promote, reject: change what serves, then show what serves now. */
export async function trafficCommand(
  op: 'rollback' | 'promote' | 'reject',
  target: string,
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const session = await openSession(opts, out);
  const environment = resolveEnvironment(session, await loadSpecFor(session), target);
  const status = (await run(session, out, op, environment)) as TargetStatus | undefined;
  if (out.json) out.document({ environment, op, status: status ?? null });
  else out.line(`${out.color.green('✔')} ${op} ${environment}${status ? `: ${statusLine(status)}` : ''}`);
  return EXIT.ok;
}

export async function destroyCommand(
  target: string,
  flags: { yes?: boolean },
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const session = await openSession(opts, out);
  const environment = resolveEnvironment(session, await loadSpecFor(session), target);
  if (!flags.yes) {
    if (!process.stdin.isTTY || opts.json)
      throw new CliError(`destroy ${environment} removes what Dove deployed there; pass --yes to confirm`, {
        exitCode: EXIT.badInput,
        code: 'DOVE_CONFIRMATION_REQUIRED',
      });
    const rl = createInterface({ input: process.stdin, output: process.stdout });
    const answer = await rl.question(
      `Remove everything Dove deployed for ${environment} on ${session.cloud.name}? Type the target name to confirm: `,
    );
    rl.close();
    if (answer.trim() !== environment) {
      out.line('not destroyed');
      return EXIT.canceled;
    }
  }
  const result = (await run(session, out, 'destroy', environment)) as { removed: string[] };
  if (out.json) out.document({ environment, removed: result.removed });
  else {
    out.line(
      `${out.color.green('✔')} destroyed ${environment}: ${result.removed.length} resource(s) removed`,
    );
    for (const r of result.removed) out.line(`  - ${r}`);
  }
  return EXIT.ok;
}
