// The checks gate: the pull request head must have passing checks before Dove deploys it.
// `all`: every check run and commit status reported on the commit; `required`: the base
// branch's required status checks; a list: those names; `none`: no gate.
import type { BotConfig } from './config.ts';
import { type GitHub, httpStatus, type RepoRef } from './github.ts';

const PASSING = new Set(['success', 'neutral', 'skipped']);

export interface CheckVerdict {
  ok: boolean;
  /** one line per check that is missing, pending or failing */
  problems: string[];
  /** how many checks were looked at */
  counted: number;
}

interface Seen {
  name: string;
  state: 'passed' | 'pending' | 'failed';
  detail: string;
}

async function observed(octokit: GitHub, repo: RepoRef, sha: string): Promise<Seen[]> {
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, { ...repo, ref: sha, per_page: 100 });
  const seen = new Map<string, Seen>();
  for (const run of runs) {
    const state =
      run.status !== 'completed' ? 'pending' : PASSING.has(String(run.conclusion)) ? 'passed' : 'failed';
    const detail = run.status !== 'completed' ? String(run.status) : String(run.conclusion);
    // Several runs of one name (re-runs): a passing one counts.
    const before = seen.get(run.name);
    if (before?.state !== 'passed') seen.set(run.name, { name: run.name, state, detail });
  }
  const combined = await octokit.rest.repos.getCombinedStatusForRef({ ...repo, ref: sha });
  for (const s of combined.data.statuses ?? []) {
    const state = s.state === 'success' ? 'passed' : s.state === 'pending' ? 'pending' : 'failed';
    if (!seen.has(s.context)) seen.set(s.context, { name: s.context, state, detail: s.state });
  }
  return [...seen.values()];
}

async function requiredContexts(octokit: GitHub, repo: RepoRef, branch: string): Promise<string[]> {
  try {
    const res = await octokit.rest.repos.getStatusChecksProtection({ ...repo, branch });
    return res.data.contexts ?? [];
  } catch (e) {
    if (httpStatus(e) === 404) return [];
    throw e;
  }
}

export async function checkGate(
  octokit: GitHub,
  repo: RepoRef,
  sha: string,
  baseBranch: string,
  mode: BotConfig['checks'],
): Promise<CheckVerdict> {
  if (mode === 'none') return { ok: true, problems: [], counted: 0 };
  const seen = await observed(octokit, repo, sha);
  const describe = (s: Seen) => `\`${s.name}\` is ${s.state === 'pending' ? `still ${s.detail}` : s.detail}`;
  if (mode === 'all') {
    const problems = seen.filter((s) => s.state !== 'passed').map(describe);
    return { ok: problems.length === 0, problems, counted: seen.length };
  }
  const names = mode === 'required' ? await requiredContexts(octokit, repo, baseBranch) : mode;
  const problems: string[] = [];
  for (const name of names) {
    const s = seen.find((x) => x.name === name);
    if (!s) problems.push(`\`${name}\` has not reported on this commit`);
    else if (s.state !== 'passed') problems.push(describe(s));
  }
  return { ok: problems.length === 0, problems, counted: names.length };
}
