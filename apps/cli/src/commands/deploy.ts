import type { DeployResult } from '@dove/deploy-core';
import {
  type GlobalOptions,
  loadSpecFor,
  openSession,
  resolveEnvironment,
  type Session,
} from '../context.ts';
import { EXIT, type ExitCode, exitCodeFor } from '../exit-codes.ts';
import type { Output } from '../render/output.ts';
import { printDeployResult, statusLine } from '../render/result.ts';
import { createStepRenderer } from '../render/steps.ts';
import { modelDeliveryFor } from './model-delivery.ts';

export interface DeployFlags {
  dryRun?: boolean;
  version?: string;
}

export function exitCodeForResult(result: DeployResult, signal: AbortSignal): ExitCode {
  if (result.outcome === 'succeeded' || result.outcome === 'noop' || result.outcome === 'dry-run')
    return EXIT.ok;
  if (signal.aborted || result.error?.code === 'DOVE_CANCELED') return EXIT.canceled;
  const code = exitCodeFor(result.error ?? {});
  return code === EXIT.ok ? EXIT.failed : code;
}

/** Runs one deploy through deploy-core, rendering its events. */
export async function runDeploy(
  session: Session,
  out: Output,
  environment: string,
  flags: DeployFlags,
  label = '',
): Promise<DeployResult> {
  const spec = await loadSpecFor(session);
  const renderer = createStepRenderer(out, label);
  try {
    return await session.core.deploy({
      spec,
      environment,
      registry: session.registry,
      cloud: session.cloud,
      credential: session.credential,
      signal: session.signal,
      onEvent: (e) => renderer.onEvent(e),
      variables: session.variables,
      ...(flags.dryRun ? { dryRun: true } : {}),
      ...(flags.version ? { version: flags.version } : {}),
      owner: `dove-cli:${process.env.USER ?? 'user'}`,
      ...modelDeliveryFor(session, spec),
    });
  } finally {
    renderer.close();
  }
}

export async function deployCommand(
  target: string,
  flags: DeployFlags,
  opts: GlobalOptions,
  out: Output,
): Promise<ExitCode> {
  const session = await openSession(opts, out, flags.version ? { DOVE_MODEL_VERSION: flags.version } : {});
  const spec = await loadSpecFor(session);
  const environment = resolveEnvironment(session, spec, target);
  out.line(
    `${out.color.bold('dove deploy')} ${environment} ${out.color.dim(`(${session.cloud.name}${flags.dryRun ? ', dry run' : ''})`)}`,
  );
  const result = await runDeploy(session, out, environment, flags);
  const code = exitCodeForResult(result, session.signal);
  if (out.json) out.document(result);
  else {
    printDeployResult(out, result);
    if (code === EXIT.canceled)
      out.line(
        `${out.color.yellow('canceled')}: ${result.servingNow ? statusLine(result.servingNow) : 'see `dove status`'}`,
      );
  }
  return code;
}
