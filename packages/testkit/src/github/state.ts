/** The in-memory world behind the local GitHub API: repositories, pull requests, people, refs. */

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface CheckRun {
  name: string;
  status: 'queued' | 'in_progress' | 'completed';
  conclusion:
    | 'success'
    | 'failure'
    | 'neutral'
    | 'cancelled'
    | 'skipped'
    | 'timed_out'
    | 'action_required'
    | null;
}

export interface PullRequest {
  number: number;
  title: string;
  state: 'open' | 'closed';
  draft: boolean;
  user: string;
  headSha: string;
  headRef: string;
  /** full name of the head repository; differs from the base repo for fork PRs */
  headRepo: string;
  baseRef: string;
}

export interface Comment {
  id: number;
  issueNumber: number;
  user: string;
  body: string;
  createdAt: string;
  updatedAt: string;
  reactions: { id: number; content: string; user: string }[];
}

export interface DeploymentStatus {
  id: number;
  state: string;
  description: string;
  environment: string;
  environment_url: string;
  log_url: string;
  created_at: string;
}

export interface Deployment {
  id: number;
  ref: string;
  sha: string;
  task: string;
  environment: string;
  description: string | null;
  payload: unknown;
  creator: string;
  created_at: string;
  production_environment: boolean;
  transient_environment: boolean;
  statuses: DeploymentStatus[];
}

export interface GitCommit {
  sha: string;
  message: string;
  tree: string;
  parents: string[];
}

export interface Repo {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
  private: boolean;
  /** file contents by ref (branch name or sha) then path; '*' holds files visible at every ref */
  files: Map<string, Map<string, string>>;
  collaborators: Map<string, Permission>;
  pulls: Map<number, PullRequest>;
  comments: Map<number, Comment>;
  deployments: Map<number, Deployment>;
  /** refs/heads/..., refs/tags/..., refs/dove/... -> sha */
  refs: Map<string, string>;
  commits: Map<string, GitCommit>;
  checkRuns: Map<string, CheckRun[]>;
  requiredChecks: Map<string, string[]>;
  installationId: number;
}

export interface RepoSeed {
  owner: string;
  name: string;
  defaultBranch?: string;
  private?: boolean;
  /** files at every ref */
  files?: Record<string, string>;
  collaborators?: Record<string, Permission>;
  installationId?: number;
}

export function newRepo(id: number, seed: RepoSeed): Repo {
  const files = new Map<string, Map<string, string>>();
  files.set('*', new Map(Object.entries(seed.files ?? {})));
  return {
    id,
    owner: seed.owner,
    name: seed.name,
    defaultBranch: seed.defaultBranch ?? 'main',
    private: seed.private ?? false,
    files,
    collaborators: new Map(Object.entries(seed.collaborators ?? {})),
    pulls: new Map(),
    comments: new Map(),
    deployments: new Map(),
    refs: new Map(),
    commits: new Map(),
    checkRuns: new Map(),
    requiredChecks: new Map(),
    installationId: seed.installationId ?? 1,
  };
}
