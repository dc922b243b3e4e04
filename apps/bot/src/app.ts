// The Probot app: a function of `app`. Handlers return at once; the work runs off the request
// path, tracked, so the webhook is acknowledged in milliseconds whatever the deploy takes.
import type { ApplicationFunction } from 'probot';
import { createMask, secretValues } from './azure.ts';
import { parseCommand } from './commands/parse.ts';
import type { GitHub } from './github.ts';
import { GitHubLockStore } from './lock.ts';
import type { Phase, RunView } from './render.ts';
import { type BotRuntime, type DoveBotPayload, react, runCommand } from './run.ts';
import { StatusComment } from './status-comment.ts';
import type { Tracker } from './tracker.ts';

const TERMINAL = new Set(['success', 'failure', 'error', 'inactive']);

export function doveBotPayload(payload: unknown): DoveBotPayload | undefined {
  let p = payload;
  if (typeof p === 'string') {
    try {
      p = JSON.parse(p);
    } catch {
      return undefined;
    }
  }
  const bot = (p as { doveBot?: DoveBotPayload } | null)?.doveBot;
  return bot && typeof bot.run === 'string' && typeof bot.commentId === 'number' ? bot : undefined;
}

/** Delivery ids seen lately: GitHub redelivers on timeouts, and a redelivered /deploy must not run twice. */
class RecentDeliveries {
  readonly #seen = new Set<string>();
  readonly max: number;
  constructor(max = 5000) {
    this.max = max;
  }
  /** true the first time an id is seen */
  add(id: string): boolean {
    if (this.#seen.has(id)) return false;
    this.#seen.add(id);
    if (this.#seen.size > this.max) this.#seen.delete(this.#seen.values().next().value as string);
    return true;
  }
}

/** Starts work after the current webhook's response is written (the ack never waits for it). */
const afterResponse = () => new Promise<void>((resolve) => setImmediate(resolve));

export function createApp(rt: BotRuntime, tracker: Tracker): ApplicationFunction {
  const deliveries = new RecentDeliveries();
  return (app) => {
    app.on('issue_comment.created', async (context) => {
      const { comment, issue, sender } = context.payload;
      if (!issue.pull_request) return; // commands live on pull requests only
      if (sender.type === 'Bot') return; // never answer a bot (nor ourselves)
      if (parseCommand(comment.body) === null) return; // not a command: ignore quietly
      if (!deliveries.add(context.id)) {
        rt.log.info({ delivery: context.id }, 'redelivered webhook ignored');
        return;
      }
      tracker.track(
        afterResponse().then(() =>
          runCommand(rt, {
            octokit: context.octokit as unknown as GitHub,
            repo: context.repo(),
            issue: issue.number,
            commentId: comment.id,
            body: comment.body,
            requester: sender.login,
            log: rt.log.child({ delivery: context.id, repo: context.payload.repository.full_name }),
          }),
        ),
      );
    });

    // Workflow mode: the Dove Action reports on the deployment; the bot mirrors it in the
    // pull request and releases the environment's lock when the deployment ends.
    app.on('deployment_status.created', async (context) => {
      const { deployment, deployment_status: status } = context.payload;
      const bot = doveBotPayload(deployment.payload);
      if (bot?.mode !== 'workflow') return;
      if (!TERMINAL.has(status.state) && status.state !== 'in_progress') return;
      const octokit = context.octokit as unknown as GitHub;
      const repo = context.repo();
      tracker.track(
        (async () => {
          const log = rt.log.child({ run: bot.run, deployment: deployment.id });
          const ok = status.state === 'success';
          const phase: Phase = !TERMINAL.has(status.state) ? 'working' : ok ? 'succeeded' : 'failed';
          const view: RunView = {
            run: bot.run,
            command: bot.command,
            requester: bot.requester,
            sha: deployment.sha,
            environment: deployment.environment,
            phase,
            headline:
              phase === 'working'
                ? `The workflow is running \`${deployment.environment}\``
                : ok
                  ? `The workflow deployed \`${deployment.environment}\``
                  : `The workflow's deploy of \`${deployment.environment}\` ended: ${status.state}`,
            steps: [],
            notes: [
              `${status.description ?? ''}${status.log_url || status.target_url ? ` — [workflow run](${status.log_url || status.target_url})` : ''}`,
            ],
            ...(status.environment_url ? { scoringUri: status.environment_url } : {}),
            deployment: { id: deployment.id, mode: 'workflow' },
          };
          const comment = new StatusComment({
            octokit,
            repo,
            issue: bot.issue,
            view,
            mask: createMask(secretValues(rt.cloud, rt.variables)).mask,
            intervalMs: 0,
            ...(bot.statusCommentId ? { existingId: bot.statusCommentId } : {}),
            onError: (e) => log.warn({ err: e }, 'could not update the status comment'),
          });
          await comment.flush();
          if (!TERMINAL.has(status.state)) return;
          const store = new GitHubLockStore({ octokit, ...repo });
          const held = await store.read(deployment.environment);
          if (held?.record.run === bot.run) await store.forceRelease(deployment.environment);
          await react(octokit, repo, bot.commentId, ok ? 'rocket' : '-1').catch(() => undefined);
          log.info({ state: status.state }, 'workflow deployment ended');
        })(),
      );
    });
  };
}
