// The GitHub Deployment of this run and its statuses: in_progress, then success with the
// environment URL, or failure with the reason. A token without `deployments: write` only
// warns: the Azure deploy itself does not depend on GitHub's record of it.
import * as core from '@actions/core';
import type { DovePayload, Trigger } from './trigger.ts';

type Octokit = ReturnType<typeof import('@actions/github').getOctokit>;
type State = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

export interface DeploymentRecord {
  id?: number;
  status(state: State, o?: { description?: string; environmentUrl?: string }): Promise<void>;
}

const clip = (s: string) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 140 ? `${one.slice(0, 137)}...` : one;
};

function warn(what: string, err: unknown) {
  const e = err as { status?: number; message?: string };
  const hint =
    e.status === 403 || e.status === 404
      ? ' Give the job `permissions: deployments: write`, or set `record-deployment: false`.'
      : '';
  core.warning(`Could not ${what} on GitHub (${e.status ?? ''} ${e.message ?? String(err)}).${hint}`);
}

export async function recordDeployment(o: {
  token: string;
  repository: string;
  environment: string;
  trigger: Trigger;
  create: boolean;
  payload: DovePayload;
  description: string;
  logUrl: string;
}): Promise<DeploymentRecord> {
  const [owner = '', repo = ''] = o.repository.split('/');
  const none: DeploymentRecord = { status: async () => {} };
  if (!o.token || !owner || !repo) return none;
  // Octokit is loaded when there is something to record, not at every start.
  const { getOctokit } = await import('@actions/github');
  const octokit: Octokit = getOctokit(o.token);
  let id = o.trigger.deploymentId;
  if (!id && o.create) {
    try {
      const res = await octokit.rest.repos.createDeployment({
        owner,
        repo,
        ref: o.trigger.sha || o.trigger.ref,
        environment: o.environment,
        task: o.trigger.command === 'deploy' ? 'deploy' : `deploy:${o.trigger.command}`,
        auto_merge: false,
        // The workflow's own checks are running now; requiring them would block this deployment.
        required_contexts: [],
        payload: { dove: o.payload } as never,
        description: clip(o.description),
        production_environment: /^prod/i.test(o.environment),
      });
      id = (res.data as { id?: number }).id;
    } catch (err) {
      warn('create a deployment', err);
    }
  }
  if (!id) return none;
  const deploymentId = id;
  return {
    id: deploymentId,
    async status(state, s = {}) {
      try {
        await octokit.rest.repos.createDeploymentStatus({
          owner,
          repo,
          deployment_id: deploymentId,
          state,
          log_url: o.logUrl,
          ...(s.description ? { description: clip(s.description) } : {}),
          ...(s.environmentUrl ? { environment_url: s.environmentUrl } : {}),
          auto_inactive: true,
        });
      } catch (err) {
        warn(`set deployment ${deploymentId} to ${state}`, err);
      }
    },
  };
}
