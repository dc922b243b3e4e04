// After a restart: deployments this bot left in progress cannot finish (the process that ran them
// is gone). They are marked failed with a clear status, their comment says so, and their locks
// are released. A deployment of another live instance is left alone: its lock is still held by
// its run and not expired.
import type { Logger } from 'pino';
import type { Probot } from 'probot';
import { doveBotPayload } from './app.ts';
import { createMask, secretValues } from './azure.ts';
import type { GitHub, RepoRef } from './github.ts';
import { GitHubLockStore } from './lock.ts';
import { code } from './render.ts';
import { type BotRuntime, react } from './run.ts';
import { StatusComment } from './status-comment.ts';

const ACTIVE = new Set(['in_progress', 'queued', 'pending']);

export interface RecoveryReport {
  repositories: number;
  /** deployments marked failed */
  interrupted: { repo: string; deployment: number; environment: string }[];
  /** locks released */
  released: { repo: string; environment: string }[];
}

export async function recover(probot: Probot, rt: BotRuntime, log: Logger): Promise<RecoveryReport> {
  const report: RecoveryReport = { repositories: 0, interrupted: [], released: [] };
  const appOctokit = (await probot.auth()) as unknown as GitHub;
  const installations = await appOctokit.paginate(appOctokit.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    const octokit = (await probot.auth(installation.id)) as unknown as GitHub;
    const repos = await octokit.paginate(octokit.rest.apps.listReposAccessibleToInstallation, {
      per_page: 100,
    });
    for (const r of repos) {
      report.repositories++;
      const repo = { owner: r.owner.login, repo: r.name };
      try {
        await recoverRepo(octokit, repo, rt, report, log);
      } catch (e) {
        log.warn({ err: e, repo: r.full_name }, 'restart recovery skipped a repository');
      }
    }
  }
  return report;
}

async function recoverRepo(
  octokit: GitHub,
  repo: RepoRef,
  rt: BotRuntime,
  report: RecoveryReport,
  log: Logger,
) {
  const full = `${repo.owner}/${repo.repo}`;
  const store = new GitHubLockStore({ octokit, ...repo });
  const deployments = await octokit.rest.repos.listDeployments({ ...repo, per_page: 100 });
  for (const d of deployments.data) {
    const bot = doveBotPayload(d.payload);
    if (!bot || rt.active.has(bot.run)) continue;
    const statuses = await octokit.rest.repos.listDeploymentStatuses({
      ...repo,
      deployment_id: d.id,
      per_page: 1,
    });
    const latest = statuses.data[0]?.state ?? 'pending';
    const held = await store.read(d.environment);
    const ours = held?.record.run === bot.run;
    if (bot.mode === 'workflow') {
      // The Action runs it; only a lock left after the end (a missed webhook) is released.
      if (!ACTIVE.has(latest) && ours) {
        await store.forceRelease(d.environment);
        report.released.push({ repo: full, environment: d.environment });
      }
      continue;
    }
    if (!ACTIVE.has(latest)) continue;
    const expired = held ? Date.parse(held.record.expires) <= Date.now() : true;
    const orphaned = bot.instance === rt.instance || !ours || expired;
    if (!orphaned) continue;
    const why = `interrupted: the Dove bot (${bot.instance}) stopped during this ${bot.command.split(' ')[0]}`;
    await octokit.rest.repos.createDeploymentStatus({
      ...repo,
      deployment_id: d.id,
      state: 'error',
      description: why.slice(0, 140),
    });
    report.interrupted.push({ repo: full, deployment: d.id, environment: d.environment });
    if (ours) {
      await store.forceRelease(d.environment);
      report.released.push({ repo: full, environment: d.environment });
    }
    const comment = new StatusComment({
      octokit,
      repo,
      issue: bot.issue,
      mask: createMask(secretValues(rt.cloud, rt.variables)).mask,
      intervalMs: 0,
      ...(bot.statusCommentId ? { existingId: bot.statusCommentId } : {}),
      onError: (e) => log.warn({ err: e }, 'could not update the status comment'),
      view: {
        run: bot.run,
        command: bot.command,
        requester: bot.requester,
        sha: d.sha,
        environment: d.environment,
        phase: 'interrupted',
        headline: `\`${d.environment}\`: the deploy was interrupted`,
        steps: [],
        notes: [
          `The Dove bot stopped (restart or crash) while it ran ${code(bot.command)}, so its end is unknown: deployment #${d.id} is marked **error** and the lock on \`${d.environment}\` ${ours ? 'was released' : 'is no longer held'}.`,
          `Next step: comment \`/status ${d.environment}\` to see what serves now, then ${code(bot.command)} again.`,
        ],
        deployment: { id: d.id, mode: 'bot' },
      },
    });
    await comment.flush();
    await react(octokit, repo, bot.commentId, '-1').catch(() => undefined);
    log.warn(
      { repo: full, deployment: d.id, environment: d.environment },
      'marked an interrupted deployment failed',
    );
  }
}
