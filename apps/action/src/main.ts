// The Action: read the inputs and the event, log in, deploy (or promote, reject...) through
// deploy-core, then report: outputs, GitHub Deployment statuses, the job summary. Every
// error ends in `setFailed` with the located message.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as core from '@actions/core';
import {
  createRegistry,
  type DeployResult,
  deploy,
  formatLocation,
  isDoveError,
  loadCloudProfile,
  loadSpec,
  resolveTarget,
  runOperation,
  type TargetStatus,
} from '@dove/deploy-core';
import { FEDERATION_ERRORS, type Login, login } from './credential.ts';
import { type DeploymentRecord, recordDeployment } from './deployment.ts';
import { eventContext } from './event.ts';
import { inputError, readInputs } from './inputs.ts';
import { sharedLockStore } from './locks.ts';
import { createRenderer } from './render.ts';
import { type ActionResult, fromDeploy, publicEndpoint } from './result.ts';
import { connectionString, maskCloud, redact, secret } from './secrets.ts';
import { writeSummary } from './summary.ts';
import { loadTargets } from './targets.ts';
import { type Trigger, triggerOf } from './trigger.ts';
import { specVariables } from './variables.ts';

const MUTATING = new Set(['deploy', 'promote', 'reject', 'rollback', 'destroy']);

/** `file:line path: message` then the hint, as the runner shows it. */
export function describeError(err: unknown): { code: string; message: string; hint?: string } {
  if (isDoveError(err)) {
    const where = formatLocation(err.location);
    return {
      code: String(err.code),
      message: `${where ? `${where}: ` : ''}${err.message}`,
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  const e = err as Error;
  return { code: 'DOVE_INTERNAL', message: e?.message ?? String(err) };
}

function setOutputs(r: ActionResult): void {
  core.setOutput('decision', r.decision);
  core.setOutput('result', redact(JSON.stringify(r)));
  core.setOutput('plan', redact(JSON.stringify(r.plan ?? null)));
  core.setOutput('scoring-uri', r.scoringUri ?? '');
  core.setOutput('swagger-uri', r.swaggerUri ?? '');
  core.setOutput('deployment-id', r.deploymentId ? String(r.deploymentId) : '');
  core.setOutput('version', r.version ?? '');
  core.setOutput('environment', r.environment ?? '');
}

function statusLine(s: TargetStatus): string {
  return `${s.state}${s.version ? ` ${s.version}` : ''}${s.message ? ` (${s.message})` : ''}`;
}

function cancelSignal(): AbortSignal {
  // The runner sends SIGINT, then SIGTERM, when the run is canceled: stop at the next step
  // boundary and let the core roll back.
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      core.warning(`canceled (${sig}): finishing the current step and restoring what served`);
      controller.abort(new Error(`canceled by the runner (${sig})`));
    });
  return controller.signal;
}

/** When Entra refused the workflow's ID token: the federated credential the app needs. */
function federationHint(auth: Login | undefined, clientId: string, message: string): string | undefined {
  const who = auth?.lastIdentity();
  if (!who || !FEDERATION_ERRORS.test(message)) return undefined;
  return `To let this workflow log in, add a federated credential to app ${clientId} with issuer ${who.issuer} and subject ${who.subject} (audience api://AzureADTokenExchange), or run the job in the GitHub environment its credential names.`;
}

export async function run(): Promise<void> {
  let trigger: Trigger | undefined;
  let record: DeploymentRecord = { status: async () => {} };
  let result: ActionResult | undefined;
  let environment: string | undefined;
  let auth: Login | undefined;
  let clientId = '';
  try {
    const inputs = readInputs();
    trigger = triggerOf(eventContext(), inputs);
    const base = {
      command: trigger.command,
      trigger: trigger.event,
      ref: trigger.ref,
      sha: trigger.sha,
    };
    if (trigger.skip) {
      core.notice(`Nothing to do: ${trigger.skip}.`);
      result = { ...base, decision: 'skipped', skipped: trigger.skip };
      setOutputs(result);
      await writeSummary(result);
      return;
    }

    const cloud = loadCloudProfile(inputs.cloud);
    maskCloud(cloud);
    clientId = inputs.clientId;
    auth = login(cloud, inputs);
    const { kind: loginKind } = auth;
    core.info(
      `cloud ${cloud.name}, login ${loginKind === 'oidc' ? `GitHub OIDC (client ${inputs.clientId})` : loginKind === 'sandbox' ? "the sandbox's service principal" : 'from the environment (@azure/identity)'}`,
    );
    const variables = specVariables({
      cloud,
      subscriptionId: inputs.subscriptionId,
      tenantId: inputs.tenantId,
      vars: inputs.vars,
      payloadVars: trigger.vars,
      ...(trigger.version ? { version: trigger.version } : {}),
    });
    for (const [k, v] of Object.entries(variables)) if (/CONNECTION_STRING$/.test(k)) connectionString(v);

    const specPath = resolve(inputs.spec);
    if (!existsSync(specPath))
      throw inputError(
        'spec',
        `no spec file at ${inputs.spec}`,
        'Check out the repository first (actions/checkout), and set `spec` to the path of your dove.yaml.',
      );
    const loose = await loadSpec({ file: specPath, variables });
    const resolved = resolveTarget(loose, trigger.target);
    environment = resolved.environment;
    const targets = await loadTargets([resolved.kind]);
    const registry = createRegistry(targets.plugins);
    const kindMissing = targets.unavailable.find((u) => u.kind === resolved.kind);
    if (kindMissing)
      throw inputError(
        'target',
        `environment "${environment}" is a ${resolved.kind} target, which is not available in this build of the Action (${kindMissing.reason})`,
        'Deploy another environment of the spec, or use a release of the Action that carries this target.',
      );

    const version = trigger.version ?? loose.model.version;
    const dryRun = trigger.dryRun && trigger.command === 'deploy';
    const mutating = MUTATING.has(trigger.command) && !dryRun;
    const runUrl = `${process.env.GITHUB_SERVER_URL ?? 'https://github.com'}/${process.env.GITHUB_REPOSITORY ?? ''}/actions/runs/${process.env.GITHUB_RUN_ID ?? ''}`;
    const what =
      trigger.command === 'deploy'
        ? `deploy ${loose.model.name} ${version} to ${environment}`
        : `${trigger.command} ${environment}`;
    record = await recordDeployment({
      token: inputs.githubToken,
      repository: process.env.GITHUB_REPOSITORY ?? '',
      environment,
      trigger,
      create: mutating && inputs.recordDeployment,
      payload: {
        command: trigger.command,
        environment,
        version,
        dryRun,
        sha: trigger.sha,
      },
      description: `Dove: ${what}`,
      logUrl: runUrl,
    });
    if (mutating || trigger.deploymentId)
      await record.status('in_progress', { description: `Dove: ${what}` });
    core.info(
      `Dove ${what}${dryRun ? ' (dry run)' : ''}${record.id ? `, GitHub deployment ${record.id}` : ''}`,
    );

    const lockStore = await sharedLockStore(cloud, auth.credential, variables.DOVE_STORAGE_ACCOUNT);
    if (lockStore) core.info(`lock: a blob lease per environment (container dove-locks)`);
    const signal = cancelSignal();
    const renderer = createRenderer(environment);
    const common = {
      specPath,
      variables,
      environment,
      registry,
      cloud,
      credential: auth.credential,
      signal,
      onEvent: (e: Parameters<typeof renderer.onEvent>[0]) => renderer.onEvent(e),
      onSecret: (v: string) => secret(v),
      version,
      owner: `github-actions:${process.env.GITHUB_REPOSITORY ?? 'repo'}#${process.env.GITHUB_RUN_ID ?? 'run'}`,
      ...(lockStore ? { lockStore } : {}),
    };
    const base2 = {
      ...base,
      model: loose.model.name,
      login: auth.kind,
      ...(record.id ? { deploymentId: record.id } : {}),
    };
    try {
      if (trigger.command === 'deploy') {
        const useStore = loose.model.path && (cloud.sandbox?.storage || variables.DOVE_STORAGE_ACCOUNT);
        // Loaded only when the model store is used: the bundle evaluates it on demand.
        const { modelStoreHook } = useStore
          ? await import('@dove/model-store')
          : { modelStoreHook: undefined };
        const r: DeployResult = await deploy({
          ...common,
          dryRun,
          ...(useStore && modelStoreHook
            ? {
                modelDelivery: modelStoreHook({
                  ...(variables.DOVE_STORAGE_ACCOUNT ? { accountName: variables.DOVE_STORAGE_ACCOUNT } : {}),
                  ...(trigger.sha ? { gitSha: trigger.sha } : {}),
                  ...(trigger.releaseTag ? { releaseTag: trigger.releaseTag } : {}),
                }) as never,
              }
            : {}),
        });
        secret(r.endpoint?.auth?.primaryKey);
        secret(r.endpoint?.auth?.secondaryKey);
        result = { ...fromDeploy(r, base2), ...(record.id ? { deploymentId: record.id } : {}) };
      } else {
        const out = await runOperation({ ...common, op: trigger.command });
        let status = out as TargetStatus & { removed?: string[]; action?: string };
        // promote / reject / rollback answer what serves now; ask for its endpoint when they omit it.
        if (['promote', 'reject', 'rollback'].includes(trigger.command) && status?.state && !status.endpoint)
          status =
            ((await runOperation({ ...common, op: 'status' }).catch(() => undefined)) as TargetStatus) ??
            status;
        secret(status?.endpoint?.auth?.primaryKey);
        secret(status?.endpoint?.auth?.secondaryKey);
        const isPlan = trigger.command === 'plan';
        result = {
          ...base2,
          decision: 'succeeded',
          environment,
          kind: resolved.kind,
          version: status?.version ?? version,
          ...(isPlan ? { plan: out as ActionResult['plan'] } : {}),
          ...(status?.endpoint?.scoringUri ? { scoringUri: status.endpoint.scoringUri } : {}),
          ...(status?.endpoint?.swaggerUri ? { swaggerUri: status.endpoint.swaggerUri } : {}),
          ...(!isPlan && status?.state
            ? {
                status: {
                  ...status,
                  endpoint: publicEndpoint(status.endpoint) as never,
                },
              }
            : {}),
        };
        if (status?.state) core.info(`${environment}: ${statusLine(status)}`);
      }
    } finally {
      renderer.close();
    }

    setOutputs(result);
    await writeSummary(result);
    if (result.decision === 'failed' || result.decision === 'rolled-back') {
      const e = result.error ?? { code: 'DOVE_INTERNAL', message: 'the deploy failed' };
      const federation = federationHint(auth, clientId, e.message);
      if (federation) e.hint = federation;
      await record.status('failure', { description: `${e.code}: ${e.message}` });
      core.setFailed(
        `${e.code}: ${e.message}${e.hint ? `\n${e.hint}` : ''}${result.servingNow ? `\nWhat serves now: ${result.servingNow}` : ''}`,
      );
      return;
    }
    if (mutating || trigger.deploymentId) {
      await record.status('success', {
        description:
          result.decision === 'dry-run'
            ? `Dove: dry run of ${what}: ${result.plan?.summary ?? ''}`
            : `Dove: ${what} ${result.decision}`,
        ...(result.scoringUri ? { environmentUrl: result.scoringUri } : {}),
      });
    }
    core.info(
      `${environment}: ${result.decision}${result.scoringUri ? ` ${result.scoringUri}` : ''}${result.version ? ` (version ${result.version})` : ''}`,
    );
  } catch (err) {
    const e = describeError(err);
    const federation = federationHint(auth, clientId, e.message);
    if (federation) e.hint = federation;
    if (isDoveError(err))
      for (const issue of err.issues ?? [])
        core.error(issue.message, {
          title: `${e.code} ${issue.path ?? ''}`.trim(),
          ...(issue.file ? { file: issue.file } : {}),
          ...(issue.line ? { startLine: issue.line } : {}),
        });
    result = {
      command: trigger?.command ?? 'deploy',
      decision: 'failed',
      trigger: trigger?.event ?? process.env.GITHUB_EVENT_NAME ?? '',
      ...(environment ? { environment } : {}),
      ...(record.id ? { deploymentId: record.id } : {}),
      error: e,
    };
    await record.status('failure', { description: `${e.code}: ${e.message}` });
    try {
      setOutputs(result);
      await writeSummary(result);
    } catch {}
    core.setFailed(`${e.code}: ${e.message}${e.hint ? `\n${e.hint}` : ''}`);
  }
}
