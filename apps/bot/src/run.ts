// One command from a pull-request comment, from 👀 to 🚀 or 👎. Runs off the webhook's request
// path: the webhook is answered as soon as the command is parsed and this is started.
import { randomUUID } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';
import {
  type CloudProfile,
  type DeployEvent,
  type DeployResult,
  type DoveSpec,
  deploy,
  InMemoryLockStore,
  isDoveError,
  type LockInfo,
  type LockStore,
  loadSpec,
  type Plan,
  resolveTarget,
  runOperation,
  type TargetStatus,
} from '@dove/deploy-core';
import type { Logger } from 'pino';
import { createMask, secretValues } from './azure.ts';
import { checkGate } from './checks.ts';
import { type Command, helpText, parseCommand } from './commands/parse.ts';
import {
  type BotConfig,
  CONFIG_PATH,
  ConfigError,
  type EnvironmentRules,
  PERMISSIONS,
  parseConfig,
  permits,
  rulesFor,
} from './config.ts';
import { type GitHub, httpStatus, type RepoRef, readFile } from './github.ts';
import { GitHubLockStore, heldLock } from './lock.ts';
import { code, type RunView } from './render.ts';
import { StatusComment } from './status-comment.ts';
import type { Targets } from './targets.ts';

/** What a running bot shares between commands. */
export interface BotRuntime {
  cloud: CloudProfile;
  credential: TokenCredential;
  targets: Targets;
  /** spec variables the bot provides (cloud ids, names), before any `key=value` of a command */
  variables: Record<string, string>;
  /** this instance's name, recorded in locks and deployments (restart recovery) */
  instance: string;
  log: Logger;
  /** minimum time between two edits of a status comment while a deploy runs */
  commentIntervalMs: number;
  /** aborted when the bot shuts down: running deploys cancel cleanly and roll back */
  signal: AbortSignal;
  /** runs (one per command) in progress in this process; restart recovery leaves them alone */
  active: Set<string>;
}

export interface CommentCommand {
  octokit: GitHub;
  repo: RepoRef;
  issue: number;
  commentId: number;
  body: string;
  requester: string;
  log: Logger;
}

/** What the bot records in the payload of each GitHub Deployment it creates. */
export interface DoveBotPayload {
  mode: 'bot' | 'workflow';
  run: string;
  instance: string;
  command: string;
  requester: string;
  issue: number;
  commentId: number;
  statusCommentId?: number;
}

/** The payload the Dove Action reads in workflow mode (`deployment` event). */
export interface DoveWorkflowPayload {
  command: 'deploy' | 'plan' | 'rollback' | 'promote' | 'reject';
  environment: string;
  version?: string;
  dryRun: boolean;
  sha: string;
  args: Record<string, string>;
}

class Refusal extends Error {
  readonly headline: string;
  constructor(headline: string, detail: string) {
    super(detail);
    this.headline = headline;
  }
}

export async function react(
  octokit: GitHub,
  repo: RepoRef,
  commentId: number,
  content: '+1' | '-1' | 'eyes' | 'rocket',
) {
  await octokit.rest.reactions.createForIssueComment({ ...repo, comment_id: commentId, content });
}

async function permissionOf(octokit: GitHub, repo: RepoRef, user: string): Promise<string> {
  try {
    const res = await octokit.rest.repos.getCollaboratorPermissionLevel({ ...repo, username: user });
    const role = (res.data as { role_name?: string }).role_name;
    return role && (PERMISSIONS as readonly string[]).includes(role) ? role : res.data.permission;
  } catch (e) {
    if (httpStatus(e) === 404) return 'none';
    throw e;
  }
}

const firstLine = (body: string) =>
  body
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find(Boolean) ?? '';

const MUTATING = new Set(['deploy', 'rollback', 'promote', 'reject']);

/** Runs one comment command to the end; never throws (errors end up in the comment). */
export async function runCommand(rt: BotRuntime, ev: CommentCommand): Promise<void> {
  const parsed = parseCommand(ev.body);
  if (!parsed) return;
  const run = randomUUID();
  rt.active.add(run);
  const log = ev.log.child({ run, command: firstLine(ev.body).slice(0, 80), issue: ev.issue });
  const mask = createMask(secretValues(rt.cloud, rt.variables));
  const view: RunView = {
    run,
    command: firstLine(ev.body).slice(0, 200),
    requester: ev.requester,
    phase: 'working',
    headline: 'Working on it',
    steps: [],
    notes: [],
  };
  const comment = new StatusComment({
    octokit: ev.octokit,
    repo: ev.repo,
    issue: ev.issue,
    view,
    mask: mask.mask,
    intervalMs: rt.commentIntervalMs,
    onError: (e) => log.warn({ err: e }, 'could not write the status comment'),
  });
  const finish = async (reaction: 'rocket' | '-1') => {
    await comment.flush();
    await react(ev.octokit, ev.repo, ev.commentId, reaction).catch((e) =>
      log.warn({ err: e }, 'could not react to the command'),
    );
  };
  log.info({ requester: ev.requester, commentId: ev.commentId }, 'command received');
  try {
    await react(ev.octokit, ev.repo, ev.commentId, 'eyes').catch((e) =>
      log.warn({ err: e }, 'no 👀 reaction'),
    );
    if (!parsed.ok) {
      view.phase = 'refused';
      view.headline = 'Dove did not understand this command';
      view.notes.push(parsed.error, `Usage: \`${parsed.usage}\` — comment \`/help\` for every command.`);
      return await finish('-1');
    }
    const command = parsed.command;
    if (command.name === 'help') {
      view.phase = 'answer';
      view.headline = 'Dove commands';
      view.notes.push(helpText());
      return await finish('rocket');
    }
    const ok = await execute(rt, ev, command, view, comment, mask, log, run);
    await finish(ok ? 'rocket' : '-1');
  } catch (e) {
    if (e instanceof Refusal) {
      view.phase = 'refused';
      view.headline = e.headline;
      view.notes.push(e.message);
    } else {
      log.error({ err: e }, 'command failed');
      view.phase = 'failed';
      view.headline = 'The command failed';
      const err = isDoveError(e)
        ? { code: String(e.code), message: e.message, ...(e.hint ? { hint: e.hint } : {}) }
        : {
            code: httpStatus(e) ? `GITHUB_${httpStatus(e)}` : 'DOVE_INTERNAL',
            message: (e as Error)?.message ?? String(e),
            hint: httpStatus(e)
              ? 'GitHub refused a request of the bot: check the app is installed on this repository with the permissions in app.yml, then comment again.'
              : 'This is a bug in Dove; comment again, and report it with this message if it repeats.',
          };
      view.error = err;
    }
    await finish('-1');
  } finally {
    rt.active.delete(run);
  }
}

interface Loaded {
  config: BotConfig;
  pr: { sha: string; baseRef: string; draft: boolean; fork: boolean; headRepo: string; state: string };
  specText: string;
  spec: DoveSpec;
}

async function loadContext(rt: BotRuntime, ev: CommentCommand, view: RunView): Promise<Loaded> {
  const { data: pr } = await ev.octokit.rest.pulls.get({ ...ev.repo, pull_number: ev.issue });
  const base = `${ev.repo.owner}/${ev.repo.repo}`.toLowerCase();
  const headRepo = pr.head.repo?.full_name ?? '(deleted fork)';
  // The deploy is pinned to the head commit as it is now: later pushes are not deployed.
  view.sha = pr.head.sha;
  let config: BotConfig;
  try {
    config = parseConfig(await readFile(ev.octokit, ev.repo, CONFIG_PATH, pr.base.ref));
  } catch (e) {
    if (e instanceof ConfigError)
      throw new Refusal(
        `The rules in \`${CONFIG_PATH}\` are not valid`,
        `${e.message}\n\nFix \`${CONFIG_PATH}\` on \`${pr.base.ref}\` (the base branch: a pull request cannot change its own rules), then comment again.`,
      );
    throw e;
  }
  const specText = await readFile(ev.octokit, ev.repo, config.spec, pr.head.sha);
  if (specText === undefined)
    throw new Refusal(
      `No \`${config.spec}\` in this pull request`,
      `There is no \`${config.spec}\` at \`${pr.head.sha.slice(0, 7)}\`. Add the spec (\`dove init\` writes one), or set \`spec:\` in \`${CONFIG_PATH}\` to its path.`,
    );
  const spec = await loadSpec({ file: config.spec, text: specText, variables: rt.variables });
  return {
    config,
    pr: {
      sha: pr.head.sha,
      baseRef: pr.base.ref,
      draft: Boolean(pr.draft),
      fork: headRepo.toLowerCase() !== base,
      headRepo,
      state: pr.state,
    },
    specText,
    spec,
  };
}

/** The pull request gates: open, not a draft, not a fork, permission. */
async function gate(
  ev: CommentCommand,
  c: Loaded,
  command: Command,
  environment: string | undefined,
  rules: EnvironmentRules,
): Promise<void> {
  if (c.pr.state !== 'open')
    throw new Refusal('This pull request is closed', 'Dove acts only on open pull requests.');
  const readOnly = command.name === 'status' || command.name === 'plan';
  if (!readOnly && c.pr.draft && !c.config.allowDrafts)
    throw new Refusal(
      'This pull request is a draft',
      `Mark it ready for review, then comment \`${firstLine(ev.body).slice(0, 80)}\` again.`,
    );
  if (c.pr.fork && !rules.allowForks)
    throw new Refusal(
      'Pull requests from forks are not deployed',
      `This pull request comes from \`${c.pr.headRepo}\`. Code from forks could run with the environment's credentials, so Dove refuses it by default; a maintainer can push the branch to this repository, or set \`allowForks: true\` in \`${CONFIG_PATH}\`.`,
    );
  const need = command.name === 'status' ? 'read' : rules.permission;
  const have = await permissionOf(ev.octokit, ev.repo, ev.requester);
  if (!permits(have, need))
    throw new Refusal(
      `@${ev.requester} may not ${command.name}${environment ? ` \`${environment}\`` : ''}`,
      `Sorry @${ev.requester}: \`/${command.name}\`${environment ? ` on \`${environment}\`` : ''} needs the **${need}** permission on ${ev.repo.owner}/${ev.repo.repo}, and you have **${have}**. Ask someone with ${need} access to run it${environment ? `, or a maintainer to change \`environments.${environment}.permission\` in \`${CONFIG_PATH}\`` : ''}.`,
    );
}

function lockedRefusal(env: string, holder: LockInfo): Refusal {
  return new Refusal(
    `\`${env}\` is locked`,
    `🔒 \`${env}\` is locked by ${holder.owner}${holder.reason ? ` (${code(holder.reason)})` : ''} since ${holder.since}. The lock expires at ${holder.expiresAt}. Wait for it to end, or ask ${holder.owner} to \`/unlock ${env}\`.`,
  );
}

async function execute(
  rt: BotRuntime,
  ev: CommentCommand,
  command: Exclude<Command, { name: 'help' }>,
  view: RunView,
  comment: StatusComment,
  mask: ReturnType<typeof createMask>,
  log: Logger,
  run: string,
): Promise<boolean> {
  const c = await loadContext(rt, ev, view);
  const store = new GitHubLockStore({ octokit: ev.octokit, ...ev.repo });

  if (command.name === 'status' && !command.target) {
    await gate(ev, c, command, undefined, rulesFor(c.config, ''));
    view.phase = 'answer';
    view.headline = 'Environments';
    const rows = ['| environment | kind | serving | lock |', '| --- | --- | --- | --- |'];
    for (const [env, t] of Object.entries(c.spec.targets)) {
      const lock = await store.inspect(env);
      const serving = await latestDeployment(ev, env);
      rows.push(
        `| ${env} | ${t.kind} | ${serving} | ${lock ? `🔒 ${lock.owner} since ${lock.since}` : 'free'} |`,
      );
    }
    view.notes.push(rows.join('\n'));
    return true;
  }

  let resolved: ReturnType<typeof resolveTarget>;
  try {
    resolved = resolveTarget(c.spec, command.target as string);
  } catch (e) {
    if (isDoveError(e)) throw new Refusal('No such environment', `${e.message}. ${e.hint ?? ''}`);
    throw e;
  }
  const env = resolved.environment;
  view.environment = env;
  view.kind = resolved.kind;
  const rules = rulesFor(c.config, env);
  await gate(ev, c, command, env, rules);
  const holderName = `@${ev.requester}`;

  if (command.name === 'lock') {
    const got = await store.acquireWith(
      {
        key: env,
        owner: holderName,
        reason: command.reason ?? `locked on #${ev.issue}`,
        ttlMs: c.config.locks.manualHours * 3600_000,
      },
      { command: view.command, manual: true, run, instance: rt.instance, pr: ev.issue },
    );
    if (!got.acquired) throw lockedRefusal(env, got.holder);
    view.phase = 'answer';
    view.headline = `\`${env}\` is locked by ${holderName}`;
    view.notes.push(
      `🔒 Nobody else can deploy \`${env}\` until \`/unlock ${env}\` (or ${got.lock.expiresAt}, when the lock expires). ${holderName} can still deploy it.`,
    );
    return true;
  }
  if (command.name === 'unlock') {
    const held = await store.read(env);
    view.phase = 'answer';
    if (!held) {
      view.headline = `\`${env}\` is not locked`;
      view.notes.push('Nothing to release.');
      return true;
    }
    const expired = Date.parse(held.record.expires) <= Date.now();
    // A workflow's lock may be released by hand: a workflow that never runs must not hold it for an hour.
    if (!held.record.manual && !held.record.workflow && !expired)
      throw new Refusal(
        `\`${env}\` is held by a running command`,
        `🔒 ${held.record.holder} is running ${code(held.record.command)} since ${held.record.since}; the lock is released when it ends (or at ${held.record.expires} if the bot stops).`,
      );
    await store.forceRelease(env);
    view.headline = `\`${env}\` is unlocked`;
    if (held.record.workflow && !expired)
      view.notes.push(
        `⚠️ It was held for a deployment handed to the workflow (${code(held.record.command)}); if that workflow is still running, it keeps running.`,
      );
    view.notes.push(
      `🔓 Released the lock ${held.record.holder} took${held.record.reason ? ` (${code(held.record.reason)})` : ''} at ${held.record.since}${expired ? ' (it had expired)' : ''}.`,
    );
    return true;
  }

  const mode = rules.mode;
  if (command.name === 'status') {
    view.phase = 'answer';
    view.headline = `Status of \`${env}\``;
    const lock = await store.inspect(env);
    view.notes.push(lock ? `🔒 locked by ${lock.owner} since ${lock.since}` : '🔓 not locked');
    if (mode === 'workflow') {
      view.notes.push(`Latest deployment: ${await latestDeployment(ev, env)}`);
      return true;
    }
    const spec = await fullSpec(rt, c, env, rt.variables);
    const status = (await runOperation({
      spec,
      environment: env,
      op: 'status',
      registry: rt.targets.registry,
      cloud: rt.cloud,
      credential: rt.credential,
      signal: rt.signal,
      onSecret: (s) => mask.add(s),
    })) as TargetStatus;
    view.notes.push(statusLine(status));
    if (status.endpoint?.scoringUri) view.scoringUri = status.endpoint.scoringUri;
    return true;
  }

  // deploy, plan, rollback, promote, reject
  const params = command.name === 'deploy' ? command.params : {};
  const refusedParams = Object.keys(params).filter((k) => !c.config.params.includes(k));
  if (refusedParams.length > 0)
    throw new Refusal(
      'Parameters not allowed',
      `${refusedParams.map((k) => `\`${k}\``).join(', ')} may not be set from a comment. A maintainer can allow them with \`params: [${refusedParams.join(', ')}]\` in \`${CONFIG_PATH}\`.`,
    );
  const dryRun = command.name === 'plan' || (command.name === 'deploy' && command.dryRun);
  const version = command.name === 'deploy' ? command.version : undefined;
  if (command.name === 'deploy' && !dryRun) {
    const verdict = await checkGate(ev.octokit, ev.repo, c.pr.sha, c.pr.baseRef, rules.checks);
    if (!verdict.ok)
      throw new Refusal(
        `Checks have not passed on \`${c.pr.sha.slice(0, 7)}\``,
        `Dove deploys only a commit whose checks passed (\`checks: ${Array.isArray(rules.checks) ? rules.checks.join(', ') : rules.checks}\`):\n\n${verdict.problems.map((p) => `- ${p}`).join('\n')}\n\nWait for them (or fix them), then comment again.`,
      );
  }
  const variables = { ...rt.variables, ...params, ...(version ? { DOVE_MODEL_VERSION: version } : {}) };
  for (const [k, v] of Object.entries(params)) if (/SECRET|PASSWORD|TOKEN|KEY/i.test(k)) mask.add(v);

  // The spec is checked for this environment before anything is locked or recorded.
  const spec = mode === 'bot' ? await fullSpec(rt, c, env, variables) : undefined;
  const mutating = MUTATING.has(command.name) && !dryRun;
  let lock: LockInfo | undefined;
  // Plans and dry runs change nothing: they take no lock and never wait for one.
  let lockStore: LockStore = new InMemoryLockStore();
  let borrowed = false;
  if (mutating) {
    const got = await store.acquireWith(
      {
        key: env,
        owner: holderName,
        reason: `${view.command} on #${ev.issue}`,
        ttlMs: c.config.locks.ttlMinutes * 60_000,
      },
      {
        command: view.command,
        run,
        instance: rt.instance,
        pr: ev.issue,
        ...(mode === 'workflow' ? { workflow: true } : {}),
      },
    );
    if (!got.acquired) {
      const mine = (await store.read(env))?.record;
      if (!(mine?.manual && got.holder.owner === holderName)) throw lockedRefusal(env, got.holder);
      lock = got.holder;
      borrowed = true; // the requester's own /lock: deploy under it, leave it in place
      view.notes.push(`🔒 Deploying under your own lock on \`${env}\`.`);
    } else {
      lock = got.lock;
      if (got.previous)
        view.notes.push(
          `🔓 Took over an expired lock of ${got.previous.holder} (${code(got.previous.command)}, since ${got.previous.since}).`,
        );
    }
    const held = lock;
    lockStore = borrowed
      ? {
          acquire: async () => ({ acquired: true, lock: held }),
          release: async () => {},
          inspect: (k) => store.inspect(k),
        }
      : heldLock(store, held);
  }

  // A long deploy keeps its lock: renewed every third of its lifetime while the command runs.
  const ttlMs = c.config.locks.ttlMinutes * 60_000;
  const heartbeat =
    lock && !borrowed && mode === 'bot'
      ? setInterval(() => {
          const current = lock;
          if (current)
            store.renew(current, ttlMs).catch((e) => log.warn({ err: e }, 'could not renew the lock'));
        }, ttlMs / 3)
      : undefined;
  heartbeat?.unref();
  let deploymentId: number | undefined;
  let finalized = false;
  try {
    const workflowCommand: DoveWorkflowPayload['command'] = command.name === 'plan' ? 'plan' : command.name;
    if (mutating || mode === 'workflow') {
      await comment.flush(); // the deployment links to the comment
      const bot: DoveBotPayload = {
        mode,
        run,
        instance: rt.instance,
        command: view.command,
        requester: ev.requester,
        issue: ev.issue,
        commentId: ev.commentId,
        ...(comment.id ? { statusCommentId: comment.id } : {}),
      };
      const payload =
        mode === 'workflow'
          ? {
              dove: {
                command: workflowCommand,
                environment: env,
                ...(version ? { version } : {}),
                dryRun,
                sha: c.pr.sha,
                args: params,
              } satisfies DoveWorkflowPayload,
              doveBot: bot,
            }
          : { doveBot: bot };
      const created = await ev.octokit.rest.repos.createDeployment({
        ...ev.repo,
        ref: c.pr.sha,
        environment: env,
        task: mode === 'workflow' ? 'deploy' : `deploy:dove-bot:${command.name}`,
        payload: payload as unknown as Record<string, unknown>,
        auto_merge: false,
        required_contexts: [],
        production_environment: rules.production,
        transient_environment: false,
        description: `${view.command} by @${ev.requester}`.slice(0, 140),
      });
      deploymentId = (created.data as { id?: number }).id;
      if (deploymentId === undefined)
        throw new Error(
          `GitHub did not create the deployment: ${(created.data as { message?: string }).message}`,
        );
      view.deployment = { id: deploymentId, mode };
      await ev.octokit.rest.repos.createDeploymentStatus({
        ...ev.repo,
        deployment_id: deploymentId,
        state: mode === 'workflow' ? 'queued' : 'in_progress',
        description:
          mode === 'workflow'
            ? 'waiting for the workflow (Dove Action)'
            : `${command.name} started by the Dove bot`,
        ...(comment.url ? { log_url: comment.url } : {}),
      });
    }
    if (mode === 'workflow') {
      view.phase = 'queued';
      view.headline = `Handed \`${env}\` to the workflow`;
      view.notes.push(
        `The repository's workflow (\`on: deployment\`, the Dove Action) carries out deployment #${deploymentId}, so GitHub environment protection rules apply. This comment follows its statuses; \`${env}\` stays locked until it ends.`,
      );
      lock = undefined; // released when the workflow reports the end (deployment_status)
      finalized = true;
      return true;
    }

    if (!spec) throw new Error('no spec loaded for bot mode');
    view.headline = `${dryRun ? 'Planning' : labelOf(command.name)} \`${env}\` (${resolved.kind})`;
    comment.schedule();
    const onEvent = (e: DeployEvent) => {
      applyEvent(view, e);
      comment.schedule();
    };
    const common = {
      spec,
      environment: env,
      registry: rt.targets.registry,
      cloud: rt.cloud,
      credential: rt.credential,
      signal: rt.signal,
      onEvent,
      onSecret: (s: string) => mask.add(s),
      variables,
      ...(version ? { version } : {}),
      lockStore,
      owner: holderName,
    };
    let ok: boolean;
    let envUrl: string | undefined;
    if (command.name === 'deploy' || command.name === 'plan') {
      const result = await deploy({ ...common, dryRun });
      lock = undefined; // deploy() released it
      ok = showResult(view, result, env);
      envUrl = result.endpoint?.scoringUri;
    } else {
      const started = performance.now();
      try {
        const status = (await runOperation({ ...common, op: command.name })) as TargetStatus;
        view.phase = 'succeeded';
        view.headline = `${labelOf(command.name, true)} \`${env}\``;
        view.notes.push(statusLine(status));
        envUrl = status.endpoint?.scoringUri;
        if (envUrl) view.scoringUri = envUrl;
        ok = true;
      } catch (e) {
        if (!isDoveError(e)) throw e;
        view.phase = 'failed';
        view.headline = `${labelOf(command.name)} \`${env}\` failed`;
        // The core's hints name CLI commands; from a pull request the next step is a comment.
        const hint =
          e.code === 'DOVE_UNSUPPORTED' && command.name === 'rollback'
            ? `Deploy the previous version instead: \`/deploy ${env} --version <previous>\`.`
            : e.hint;
        view.error = { code: String(e.code), message: e.message, ...(hint ? { hint } : {}) };
        ok = false;
      }
      view.totalMs = Math.round(performance.now() - started);
      lock = undefined; // runOperation released it
    }
    if (deploymentId !== undefined) {
      await ev.octokit.rest.repos.createDeploymentStatus({
        ...ev.repo,
        deployment_id: deploymentId,
        state: ok ? 'success' : 'failure',
        description: mask
          .mask(
            ok
              ? `${command.name} succeeded${view.outcome === 'noop' ? ' (nothing changed)' : ''}`
              : `${view.outcome === 'rolled-back' ? 'failed, rolled back' : 'failed'}: ${view.error?.code ?? ''}`,
          )
          .slice(0, 140),
        ...(comment.url ? { log_url: comment.url } : {}),
        ...(ok && envUrl ? { environment_url: envUrl } : {}),
        auto_inactive: true,
      });
      finalized = true;
    }
    if (command.name === 'deploy' && !dryRun) {
      // Say so when the pull request moved on while deploying: the new commits were not deployed.
      const now = await ev.octokit.rest.pulls
        .get({ ...ev.repo, pull_number: ev.issue })
        .catch(() => undefined);
      const head = now?.data.head.sha;
      if (head && head !== c.pr.sha)
        view.notes.push(
          `ℹ️ The pull request moved to \`${head.slice(0, 7)}\` after this command; \`${c.pr.sha.slice(0, 7)}\` was deployed. Comment again to deploy the new head.`,
        );
    }
    log.info({ env, ok, outcome: view.outcome }, 'command finished');
    return ok;
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    // Whatever went wrong after the Deployment was created, it must not stay "in progress".
    if (deploymentId !== undefined && !finalized)
      await ev.octokit.rest.repos
        .createDeploymentStatus({
          ...ev.repo,
          deployment_id: deploymentId,
          state: 'error',
          description: `${command.name} did not finish: see the pull request comment`,
          ...(comment.url ? { log_url: comment.url } : {}),
        })
        .catch((e) => log.warn({ err: e }, 'could not mark the deployment failed'));
    if (lock && !borrowed)
      await store.release(lock).catch((e) => log.warn({ err: e }, 'could not release the lock'));
  }
}

async function fullSpec(rt: BotRuntime, c: Loaded, env: string, variables: Record<string, string>) {
  const kind = c.spec.targets[env]?.kind ?? '';
  const missing = rt.targets.unavailable.find((u) => u.kind === kind);
  if (missing && !rt.targets.registry.get(kind))
    throw new Refusal(
      `The ${kind} target is not available in this bot`,
      `\`${env}\` is a \`${kind}\` environment, and this build of the Dove bot cannot deploy it: ${missing.reason}.`,
    );
  return loadSpec({
    file: c.config.spec,
    text: c.specText,
    variables,
    registry: rt.targets.registry,
    environments: [env],
  });
}

const labelOf = (name: string, done = false) =>
  ({
    deploy: done ? 'Deployed' : 'Deploying',
    plan: 'Planned',
    rollback: done ? 'Rolled back' : 'Rolling back',
    promote: done ? 'Promoted' : 'Promoting',
    reject: done ? 'Rejected the new version of' : 'Rejecting the new version of',
  })[name] ?? name;

function statusLine(s: TargetStatus): string {
  return `**${s.state}**${s.version ? ` · version ${s.version}` : ''}${s.endpoint?.scoringUri ? ` · ${s.endpoint.scoringUri}` : ''}${s.message ? ` · ${s.message}` : ''}`;
}

async function latestDeployment(ev: CommentCommand, env: string): Promise<string> {
  const list = await ev.octokit.rest.repos.listDeployments({ ...ev.repo, environment: env, per_page: 1 });
  const d = list.data[0];
  if (!d) return 'never deployed by Dove';
  const statuses = await ev.octokit.rest.repos.listDeploymentStatuses({
    ...ev.repo,
    deployment_id: d.id,
    per_page: 1,
  });
  const s = statuses.data[0];
  return `#${d.id} at \`${d.sha.slice(0, 7)}\`: ${s ? `${s.state}${s.environment_url ? ` · ${s.environment_url}` : ''}` : 'no status yet'}`;
}

function applyEvent(view: RunView, e: DeployEvent) {
  if (e.type === 'step') {
    const at = view.steps.findIndex((s) => s.step === e.step);
    const row = {
      step: e.step,
      status: e.status,
      ...(e.elapsedMs !== undefined ? { ms: e.elapsedMs } : {}),
      ...(e.message ? { message: e.message.split('\n')[0] } : {}),
    };
    if (at >= 0) view.steps[at] = row;
    else view.steps.push(row);
    view.progress = undefined;
  } else if (e.type === 'progress') {
    view.progress = `${e.step}: ${e.message}`;
  }
}

function showResult(view: RunView, r: DeployResult, env: string): boolean {
  view.outcome = r.outcome;
  view.plan = r.plan as Plan;
  view.totalMs = r.timings.total;
  if (r.endpoint?.scoringUri) view.scoringUri = r.endpoint.scoringUri;
  if (r.smoke) view.smoke = r.smoke;
  if (r.error) view.error = r.error;
  const v = `${r.version}`;
  switch (r.outcome) {
    case 'succeeded':
      view.phase = 'succeeded';
      view.headline = `Deployed \`${env}\` (${r.kind}) — version ${v}`;
      return true;
    case 'noop':
      view.phase = 'succeeded';
      view.headline = `\`${env}\` already serves version ${v} — nothing to change`;
      return true;
    case 'dry-run':
      view.phase = 'succeeded';
      view.headline = `Plan for \`${env}\` (${r.kind}) — nothing was changed`;
      return true;
    case 'rolled-back':
      view.phase = 'failed';
      view.headline = `Deploy of \`${env}\` failed — rolled back`;
      view.notes.push(
        `The previous version keeps serving${r.servingNow ? `: ${statusLine(r.servingNow)}` : ''}.`,
      );
      return false;
    default:
      view.phase = 'failed';
      view.headline = `Deploy of \`${env}\` failed`;
      if (r.servingNow) view.notes.push(`What serves now: ${statusLine(r.servingNow)}`);
      return false;
  }
}
