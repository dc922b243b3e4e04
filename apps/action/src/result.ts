// The machine-readable result (the `result` output, like github/branch-deploy's) and the
// other outputs. Keys and tokens never reach it: endpoints lose their `auth` keys.
import type {
  DeployResult,
  Endpoint,
  Plan,
  RequestCounts,
  SmokeTest,
  TargetStatus,
  Timings,
} from '@dove/deploy-core';
import type { Command } from './inputs.ts';

/** `succeeded | noop | dry-run | rolled-back | failed` for a deploy, `succeeded | failed` for the other commands, `skipped` when the event asks for nothing. */
export type Decision = DeployResult['outcome'] | 'skipped';

export interface ActionResult {
  command: Command;
  decision: Decision;
  trigger: string;
  environment?: string;
  kind?: string;
  model?: string;
  version?: string;
  scoringUri?: string;
  swaggerUri?: string;
  deploymentId?: number;
  ref?: string;
  sha?: string;
  login?: string;
  plan?: Pick<Plan, 'action' | 'summary' | 'changes' | 'warnings'>;
  smoke?: SmokeTest;
  timings?: Timings;
  requests?: RequestCounts;
  status?: Omit<TargetStatus, 'endpoint'> & { endpoint?: Omit<Endpoint, 'auth'> & { auth?: string } };
  /** what the error says, with its code (`reason_code` in branch-deploy's terms) */
  error?: { code: string; message: string; hint?: string };
  /** after a failure: the status line of what serves now */
  servingNow?: string;
  skipped?: string;
}

/** An endpoint without its keys: only the auth type is kept. */
export function publicEndpoint(e: Endpoint | undefined) {
  if (!e) return undefined;
  const { auth, ...rest } = e;
  return { ...rest, ...(auth ? { auth: auth.type } : {}) };
}

export function fromDeploy(
  r: DeployResult,
  base: Pick<ActionResult, 'command' | 'trigger' | 'model' | 'ref' | 'sha' | 'login'>,
): ActionResult {
  const endpoint = r.endpoint ?? r.servingNow?.endpoint;
  return {
    ...base,
    decision: r.outcome,
    environment: r.environment,
    kind: r.kind,
    version: r.version,
    ...(endpoint?.scoringUri && r.outcome !== 'failed' ? { scoringUri: endpoint.scoringUri } : {}),
    ...(endpoint?.swaggerUri && r.outcome !== 'failed' ? { swaggerUri: endpoint.swaggerUri } : {}),
    plan: r.plan,
    ...(r.smoke ? { smoke: r.smoke } : {}),
    timings: r.timings,
    requests: r.requests,
    ...(r.error
      ? {
          error: {
            code: r.error.code,
            message: r.error.message,
            ...(r.error.hint ? { hint: r.error.hint } : {}),
          },
        }
      : {}),
    ...(r.servingNow
      ? {
          servingNow: `${r.servingNow.state}${r.servingNow.version ? ` ${r.servingNow.version}` : ''}${r.servingNow.message ? ` (${r.servingNow.message})` : ''}`,
        }
      : {}),
  };
}
