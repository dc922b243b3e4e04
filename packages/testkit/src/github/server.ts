import { createHash, createPublicKey, randomBytes, verify as verifySignature } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Comment,
  type Deployment,
  newRepo,
  type PullRequest,
  type Repo,
  type RepoSeed,
} from './state.ts';

/**
 * A local stand-in for the GitHub REST API: the endpoints Dove's Action and bot call, with
 * GitHub's status codes and response shapes, real state (comments, deployments, refs, check
 * runs) and token checks. Tests seed it, point Octokit's `baseUrl` at it, and read its state.
 */
export interface GitHubApi {
  url: string;
  /** a token accepted for every repository (like a PAT or GITHUB_TOKEN) */
  token: string;
  addRepo(seed: RepoSeed): Repo;
  repo(fullName: string): Repo;
  addPull(fullName: string, pr: Partial<PullRequest> & { number: number; headSha: string }): PullRequest;
  setCheckRuns(
    fullName: string,
    sha: string,
    runs: { name: string; conclusion: string | null; status?: string }[],
  ): void;
  setFile(fullName: string, path: string, content: string, ref?: string): void;
  /** a comment written by `user` (e.g. the `/deploy` a webhook then announces) */
  addComment(fullName: string, issueNumber: number, user: string, body: string): Comment;
  /**
   * Registers a GitHub App. Once one is registered, `/app/...` routes accept only a JWT signed
   * (RS256) by a registered app's private key, unexpired, with `iss` = its id, like GitHub.
   */
  addApp(app: { id: number; publicKey: string; slug?: string }): void;
  /** every request served, oldest first */
  requests: { method: string; path: string; status: number; body?: unknown }[];
  /** make the next N requests matching `pathIncludes` fail with `status` */
  failNext(pathIncludes: string, status: number, times?: number): void;
  close(): Promise<void>;
}

type Params = Record<string, string>;
type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
type Route = [
  method: string,
  pattern: RegExp,
  handler: (p: Params, body: any, url: URL, req: IncomingMessage) => Reply,
];

const now = () => new Date().toISOString();
const sha1 = (s: string) => createHash('sha1').update(s).digest('hex');
const notFound: Reply = {
  status: 404,
  body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' },
};
const user = (login: string) => ({ login, id: Number.parseInt(sha1(login).slice(0, 6), 16), type: 'User' });

export async function startGitHubApi(options: { token?: string } = {}): Promise<GitHubApi> {
  const token = options.token ?? `ghs_${randomBytes(12).toString('hex')}`;
  const tokens = new Set([token]);
  /** installation access token -> installation id */
  const installationOf = new Map<string, number>();
  const apps = new Map<number, { id: number; publicKey: string; slug: string }>();
  const repos = new Map<string, Repo>();
  const requests: GitHubApi['requests'] = [];
  const failures: { pathIncludes: string; status: number; times: number }[] = [];
  let nextId = 1000;
  const id = () => ++nextId;
  let base = '';

  const repoOf = (p: Params) => repos.get(`${p.owner}/${p.repo}`.toLowerCase());
  const fileAt = (r: Repo, path: string, ref?: string) => {
    const byRef = ref ? (r.files.get(ref) ?? r.files.get(r.refs.get(`refs/heads/${ref}`) ?? '')) : undefined;
    return byRef?.get(path) ?? r.files.get('*')?.get(path);
  };
  const repoJson = (r: Repo) => ({
    id: r.id,
    name: r.name,
    full_name: `${r.owner}/${r.name}`,
    owner: user(r.owner),
    private: r.private,
    fork: false,
    default_branch: r.defaultBranch,
    html_url: `https://github.com/${r.owner}/${r.name}`,
    url: `${base}/repos/${r.owner}/${r.name}`,
  });
  const prJson = (r: Repo, pr: PullRequest) => {
    const [headOwner = r.owner, headName = r.name] = pr.headRepo.split('/');
    return {
      number: pr.number,
      title: pr.title,
      state: pr.state,
      draft: pr.draft,
      user: user(pr.user),
      html_url: `https://github.com/${r.owner}/${r.name}/pull/${pr.number}`,
      head: {
        sha: pr.headSha,
        ref: pr.headRef,
        repo: {
          ...repoJson(r),
          name: headName,
          full_name: pr.headRepo,
          owner: user(headOwner),
          fork: pr.headRepo !== `${r.owner}/${r.name}`,
        },
      },
      base: { ref: pr.baseRef, sha: sha1(pr.baseRef), repo: repoJson(r) },
    };
  };
  const commentJson = (r: Repo, c: Comment) => ({
    id: c.id,
    body: c.body,
    user: user(c.user),
    created_at: c.createdAt,
    updated_at: c.updatedAt,
    html_url: `https://github.com/${r.owner}/${r.name}/pull/${c.issueNumber}#issuecomment-${c.id}`,
    issue_url: `${base}/repos/${r.owner}/${r.name}/issues/${c.issueNumber}`,
    reactions: { total_count: c.reactions.length },
  });
  const deploymentJson = (r: Repo, d: Deployment) => ({
    id: d.id,
    url: `${base}/repos/${r.owner}/${r.name}/deployments/${d.id}`,
    sha: d.sha,
    ref: d.ref,
    task: d.task,
    environment: d.environment,
    description: d.description,
    payload: d.payload,
    creator: user(d.creator),
    created_at: d.created_at,
    updated_at: d.created_at,
    production_environment: d.production_environment,
    transient_environment: d.transient_environment,
    statuses_url: `${base}/repos/${r.owner}/${r.name}/deployments/${d.id}/statuses`,
  });
  const validation = (message: string, field?: string): Reply => ({
    status: 422,
    body: {
      message,
      errors: field ? [{ resource: 'Resource', field, code: 'invalid' }] : [],
      documentation_url: 'https://docs.github.com/rest',
    },
  });

  const presentedToken = (req: IncomingMessage) =>
    (req.headers.authorization ?? '').replace(/^(token|bearer)\s+/i, '');
  /** The id of the registered app whose valid JWT the request carries, if any. */
  const appIdOf = (req: IncomingMessage): number | undefined => {
    const [h, p, sig] = presentedToken(req).split('.');
    if (!h || !p || sig === undefined) return undefined;
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const app = apps.get(Number(claims.iss));
      if (!app || header.alg !== 'RS256') return undefined;
      const nowS = Math.floor(Date.now() / 1000);
      // GitHub: exp at most 10 minutes ahead; iat not in the future (60 s of clock drift allowed).
      if (!(claims.exp > nowS) || claims.exp - nowS > 660 || claims.iat > nowS + 60) return undefined;
      const ok = verifySignature(
        'RSA-SHA256',
        Buffer.from(`${h}.${p}`),
        createPublicKey(app.publicKey),
        Buffer.from(sig, 'base64url'),
      );
      return ok ? app.id : undefined;
    } catch {
      return undefined;
    }
  };

  const R = '(?<owner>[^/]+)/(?<repo>[^/]+)';
  const routes: Route[] = [
    [
      'GET',
      /^\/app$/,
      (_p, _b, _u, req) => {
        const app = apps.get(appIdOf(req) ?? -1);
        return app
          ? { status: 200, body: { id: app.id, slug: app.slug, name: app.slug, owner: user('dove') } }
          : notFound;
      },
    ],
    [
      'GET',
      /^\/app\/installations$/,
      () => {
        const ids = [...new Set([...repos.values()].map((r) => r.installationId))];
        return {
          status: 200,
          body: ids.map((iid) => {
            const owner = [...repos.values()].find((r) => r.installationId === iid)?.owner ?? 'unknown';
            return { id: iid, account: user(owner), app_id: [...apps.keys()][0] ?? 1, target_type: 'User' };
          }),
        };
      },
    ],
    [
      'GET',
      /^\/installation\/repositories$/,
      (_p, _b, _u, req) => {
        const iid = installationOf.get(presentedToken(req));
        if (iid === undefined) return { status: 403, body: { message: 'an installation token is required' } };
        const list = [...repos.values()].filter((r) => r.installationId === iid).map(repoJson);
        return { status: 200, body: { total_count: list.length, repositories: list } };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}$`),
      (p) => {
        const r = repoOf(p);
        return r ? { status: 200, body: repoJson(r) } : notFound;
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/installation$`),
      (p) => {
        const r = repoOf(p);
        return r
          ? { status: 200, body: { id: r.installationId, account: user(r.owner), app_id: 1 } }
          : notFound;
      },
    ],
    [
      'POST',
      /^\/app\/installations\/(?<id>\d+)\/access_tokens$/,
      (p) => {
        const installation = Number(p.id);
        if (![...repos.values()].some((r) => r.installationId === installation)) return notFound;
        const t = `ghs_${randomBytes(12).toString('hex')}`;
        tokens.add(t);
        installationOf.set(t, installation);
        return {
          status: 201,
          body: { token: t, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: {} },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/collaborators/(?<user>[^/]+)/permission$`),
      (p) => {
        const r = repoOf(p);
        if (!r) return notFound;
        const permission = r.collaborators.get(p.user ?? '') ?? 'none';
        const legacy = permission === 'maintain' ? 'write' : permission === 'triage' ? 'read' : permission;
        return {
          status: 200,
          body: {
            permission: legacy,
            role_name: permission,
            user: { ...user(p.user ?? ''), permissions: {} },
          },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/pulls/(?<n>\\d+)$`),
      (p) => {
        const r = repoOf(p);
        const pr = r?.pulls.get(Number(p.n));
        return r && pr ? { status: 200, body: prJson(r, pr) } : notFound;
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/issues/(?<n>\\d+)/comments$`),
      (p) => {
        const r = repoOf(p);
        if (!r) return notFound;
        return {
          status: 200,
          body: [...r.comments.values()]
            .filter((c) => c.issueNumber === Number(p.n))
            .map((c) => commentJson(r, c)),
        };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/issues/(?<n>\\d+)/comments$`),
      (p, body) => {
        const r = repoOf(p);
        if (!r) return notFound;
        if (typeof body?.body !== 'string' || body.body.length === 0)
          return validation('Validation Failed', 'body');
        if (body.body.length > 65536)
          return validation('Body is too long (maximum is 65536 characters)', 'body');
        const c: Comment = {
          id: id(),
          issueNumber: Number(p.n),
          user: 'dove[bot]',
          body: body.body,
          createdAt: now(),
          updatedAt: now(),
          reactions: [],
        };
        r.comments.set(c.id, c);
        return { status: 201, body: commentJson(r, c) };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/issues/comments/(?<id>\\d+)$`),
      (p) => {
        const r = repoOf(p);
        const c = r?.comments.get(Number(p.id));
        return r && c ? { status: 200, body: commentJson(r, c) } : notFound;
      },
    ],
    [
      'PATCH',
      new RegExp(`^/repos/${R}/issues/comments/(?<id>\\d+)$`),
      (p, body) => {
        const r = repoOf(p);
        const c = r?.comments.get(Number(p.id));
        if (!r || !c) return notFound;
        if (typeof body?.body !== 'string' || body.body.length === 0)
          return validation('Validation Failed', 'body');
        c.body = body.body;
        c.updatedAt = now();
        return { status: 200, body: commentJson(r, c) };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/issues/comments/(?<id>\\d+)/reactions$`),
      (p, body) => {
        const r = repoOf(p);
        const c = r?.comments.get(Number(p.id));
        if (!r || !c) return notFound;
        const allowed = ['+1', '-1', 'laugh', 'confused', 'heart', 'hooray', 'rocket', 'eyes'];
        if (!allowed.includes(body?.content)) return validation('Validation Failed', 'content');
        const existing = c.reactions.find((x) => x.content === body.content && x.user === 'dove[bot]');
        if (existing)
          return {
            status: 200,
            body: { id: existing.id, content: existing.content, user: user(existing.user) },
          };
        const reaction = { id: id(), content: body.content as string, user: 'dove[bot]' };
        c.reactions.push(reaction);
        return {
          status: 201,
          body: { id: reaction.id, content: reaction.content, user: user(reaction.user), created_at: now() },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/issues/comments/(?<id>\\d+)/reactions$`),
      (p) => {
        const r = repoOf(p);
        const c = r?.comments.get(Number(p.id));
        if (!r || !c) return notFound;
        return {
          status: 200,
          body: c.reactions.map((x) => ({ id: x.id, content: x.content, user: user(x.user) })),
        };
      },
    ],
    [
      'DELETE',
      new RegExp(`^/repos/${R}/issues/comments/(?<id>\\d+)/reactions/(?<rid>\\d+)$`),
      (p) => {
        const c = repoOf(p)?.comments.get(Number(p.id));
        if (!c) return notFound;
        c.reactions = c.reactions.filter((x) => x.id !== Number(p.rid));
        return { status: 204 };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/deployments$`),
      (p, body) => {
        const r = repoOf(p);
        if (!r) return notFound;
        if (typeof body?.ref !== 'string') return validation('Validation Failed', 'ref');
        const sha = /^[0-9a-f]{40}$/.test(body.ref)
          ? body.ref
          : (r.refs.get(`refs/heads/${body.ref}`) ?? sha1(body.ref));
        const d: Deployment = {
          id: id(),
          ref: body.ref,
          sha,
          task: body.task ?? 'deploy',
          environment: body.environment ?? 'production',
          description: body.description ?? null,
          payload: typeof body.payload === 'string' ? body.payload : (body.payload ?? {}),
          creator: 'dove[bot]',
          created_at: now(),
          production_environment: body.production_environment ?? body.environment === 'production',
          transient_environment: body.transient_environment ?? false,
          statuses: [],
        };
        r.deployments.set(d.id, d);
        return { status: 201, body: deploymentJson(r, d) };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/deployments$`),
      (p, _b, url) => {
        const r = repoOf(p);
        if (!r) return notFound;
        const env = url.searchParams.get('environment');
        const ref = url.searchParams.get('ref');
        const sha = url.searchParams.get('sha');
        const list = [...r.deployments.values()]
          .filter(
            (d) => (!env || d.environment === env) && (!ref || d.ref === ref) && (!sha || d.sha === sha),
          )
          .reverse();
        return { status: 200, body: list.map((d) => deploymentJson(r, d)) };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/deployments/(?<id>\\d+)$`),
      (p) => {
        const r = repoOf(p);
        const d = r?.deployments.get(Number(p.id));
        return r && d ? { status: 200, body: deploymentJson(r, d) } : notFound;
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/deployments/(?<id>\\d+)/statuses$`),
      (p, body) => {
        const r = repoOf(p);
        const d = r?.deployments.get(Number(p.id));
        if (!r || !d) return notFound;
        const states = ['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'];
        if (!states.includes(body?.state)) return validation('Validation Failed', 'state');
        if (typeof body.description === 'string' && body.description.length > 140) {
          return validation('description is too long (maximum is 140 characters)', 'description');
        }
        const s = {
          id: id(),
          state: body.state,
          description: body.description ?? '',
          environment: body.environment ?? d.environment,
          environment_url: body.environment_url ?? '',
          log_url: body.log_url ?? body.target_url ?? '',
          created_at: now(),
        };
        d.statuses.push(s);
        if (body.state === 'success' && body.auto_inactive !== false) {
          for (const other of r.deployments.values()) {
            const last = other.statuses.at(-1);
            if (other.id !== d.id && other.environment === d.environment && last?.state === 'success') {
              other.statuses.push({ ...last, id: id(), state: 'inactive', created_at: now() });
            }
          }
        }
        return {
          status: 201,
          body: {
            ...s,
            target_url: s.log_url,
            url: `${base}/repos/${r.owner}/${r.name}/deployments/${d.id}/statuses/${s.id}`,
            deployment_url: deploymentJson(r, d).url,
          },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/deployments/(?<id>\\d+)/statuses$`),
      (p) => {
        const r = repoOf(p);
        const d = r?.deployments.get(Number(p.id));
        return r && d ? { status: 200, body: [...d.statuses].reverse() } : notFound;
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/commits/(?<ref>[^/]+)/check-runs$`),
      (p) => {
        const r = repoOf(p);
        if (!r) return notFound;
        const runs = r.checkRuns.get(p.ref ?? '') ?? [];
        return {
          status: 200,
          body: {
            total_count: runs.length,
            check_runs: runs.map((c, i) => ({ id: i + 1, ...c, head_sha: p.ref })),
          },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/commits/(?<ref>[^/]+)/status$`),
      (p) => {
        const r = repoOf(p);
        if (!r) return notFound;
        return { status: 200, body: { state: 'success', statuses: [], sha: p.ref, total_count: 0 } };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/branches/(?<branch>[^/]+)/protection/required_status_checks$`),
      (p) => {
        const r = repoOf(p);
        const contexts = r?.requiredChecks.get(p.branch ?? '');
        if (!r || !contexts) return { status: 404, body: { message: 'Required status checks not enabled' } };
        return {
          status: 200,
          body: { strict: false, contexts, checks: contexts.map((context) => ({ context, app_id: null })) },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/contents/(?<path>.+)$`),
      (p, _b, url) => {
        const r = repoOf(p);
        const path = decodeURIComponent(p.path ?? '');
        const content = r ? fileAt(r, path, url.searchParams.get('ref') ?? undefined) : undefined;
        if (!r || content === undefined) return notFound;
        return {
          status: 200,
          body: {
            type: 'file',
            encoding: 'base64',
            path,
            name: path.split('/').at(-1),
            size: Buffer.byteLength(content),
            sha: sha1(content),
            content: Buffer.from(content).toString('base64'),
          },
        };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/git/refs$`),
      (p, body) => {
        const r = repoOf(p);
        if (!r) return notFound;
        if (
          typeof body?.ref !== 'string' ||
          !body.ref.startsWith('refs/') ||
          body.ref.split('/').length < 3
        ) {
          return validation('Reference name is not valid', 'ref');
        }
        if (typeof body.sha !== 'string') return validation('Validation Failed', 'sha');
        // Creating a ref that exists is refused: this is what makes a ref a lock.
        if (r.refs.has(body.ref)) return validation('Reference already exists');
        r.refs.set(body.ref, body.sha);
        return { status: 201, body: { ref: body.ref, object: { sha: body.sha, type: 'commit' } } };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/git/(?:ref|refs)/(?<ref>.+)$`),
      (p) => {
        const r = repoOf(p);
        const name = `refs/${decodeURIComponent(p.ref ?? '')}`;
        const sha = r?.refs.get(name);
        return sha ? { status: 200, body: { ref: name, object: { sha, type: 'commit' } } } : notFound;
      },
    ],
    [
      'PATCH',
      new RegExp(`^/repos/${R}/git/refs/(?<ref>.+)$`),
      (p, body) => {
        const r = repoOf(p);
        const name = `refs/${decodeURIComponent(p.ref ?? '')}`;
        if (!r?.refs.has(name)) return validation('Reference does not exist');
        // Like GitHub, without force only a fast-forward is accepted (for commits this API made).
        const next = r.commits.get(body?.sha);
        if (next && body.force !== true && !next.parents.includes(r.refs.get(name) ?? '')) {
          return validation('Update is not a fast forward');
        }
        r.refs.set(name, body.sha);
        return { status: 200, body: { ref: name, object: { sha: body.sha, type: 'commit' } } };
      },
    ],
    [
      'DELETE',
      new RegExp(`^/repos/${R}/git/refs/(?<ref>.+)$`),
      (p) => {
        const r = repoOf(p);
        const name = `refs/${decodeURIComponent(p.ref ?? '')}`;
        if (!r?.refs.delete(name)) return validation('Reference does not exist');
        return { status: 204 };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/git/trees$`),
      (p, body) => {
        if (!repoOf(p)) return notFound;
        return { status: 201, body: { sha: sha1(JSON.stringify(body?.tree ?? [])), tree: body?.tree ?? [] } };
      },
    ],
    [
      'POST',
      new RegExp(`^/repos/${R}/git/commits$`),
      (p, body) => {
        const r = repoOf(p);
        if (!r) return notFound;
        if (typeof body?.message !== 'string' || typeof body.tree !== 'string')
          return validation('Validation Failed', 'message');
        const c = {
          sha: sha1(`${body.message}${body.tree}${Date.now()}${id()}`),
          message: body.message,
          tree: body.tree,
          parents: body.parents ?? [],
        };
        r.commits.set(c.sha, c);
        return {
          status: 201,
          body: {
            sha: c.sha,
            message: c.message,
            tree: { sha: c.tree },
            parents: c.parents.map((sha: string) => ({ sha })),
          },
        };
      },
    ],
    [
      'GET',
      new RegExp(`^/repos/${R}/git/commits/(?<sha>[0-9a-f]+)$`),
      (p) => {
        const c = repoOf(p)?.commits.get(p.sha ?? '');
        return c
          ? {
              status: 200,
              body: {
                sha: c.sha,
                message: c.message,
                tree: { sha: c.tree },
                parents: c.parents.map((sha) => ({ sha })),
              },
            }
          : notFound;
      },
    ],
  ];

  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString();
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = raw;
    }
    const send = (reply: Reply) => {
      requests.push({ method: req.method ?? 'GET', path: url.pathname, status: reply.status, body });
      res.writeHead(reply.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-request-id': randomBytes(8).toString('hex'),
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        ...reply.headers,
      });
      res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
    };
    const presented = presentedToken(req);
    const isAppRoute = url.pathname === '/app' || url.pathname.startsWith('/app/');
    const isAppJwt =
      isAppRoute && presented.split('.').length === 3 && (apps.size === 0 || appIdOf(req) !== undefined);
    if (isAppRoute && apps.size > 0 && !isAppJwt) {
      return send({
        status: 401,
        body: {
          message: 'A JSON web token could not be decoded',
          documentation_url: 'https://docs.github.com/rest',
        },
      });
    }
    if (!isAppJwt && !tokens.has(presented) && !url.pathname.endsWith('/installation')) {
      return send({
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      });
    }
    const failure = failures.find((f) => f.times > 0 && url.pathname.includes(f.pathIncludes));
    if (failure) {
      failure.times--;
      return send({ status: failure.status, body: { message: 'Server Error' } });
    }
    for (const [method, pattern, handler] of routes) {
      if (method !== req.method) continue;
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      return send(handler((m.groups ?? {}) as Params, body, url, req));
    }
    send(notFound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const api: GitHubApi = {
    url: base,
    token,
    requests,
    addRepo(seed) {
      const r = newRepo(id(), seed);
      repos.set(`${seed.owner}/${seed.name}`.toLowerCase(), r);
      r.refs.set(`refs/heads/${r.defaultBranch}`, sha1(`${seed.owner}/${seed.name}@${r.defaultBranch}`));
      return r;
    },
    repo(fullName) {
      const r = repos.get(fullName.toLowerCase());
      if (!r) throw new Error(`no repository ${fullName}`);
      return r;
    },
    addPull(fullName, pr) {
      const r = api.repo(fullName);
      const full: PullRequest = {
        title: `PR ${pr.number}`,
        state: 'open',
        draft: false,
        user: 'octocat',
        headRef: `feature-${pr.number}`,
        headRepo: fullName,
        baseRef: r.defaultBranch,
        ...pr,
      };
      r.pulls.set(pr.number, full);
      r.refs.set(`refs/heads/${full.headRef}`, full.headSha);
      return full;
    },
    setCheckRuns(fullName, sha, runs) {
      api.repo(fullName).checkRuns.set(
        sha,
        runs.map((x) => ({
          name: x.name,
          status: (x.status ?? 'completed') as never,
          conclusion: x.conclusion as never,
        })),
      );
    },
    setFile(fullName, path, content, ref = '*') {
      const r = api.repo(fullName);
      if (!r.files.has(ref)) r.files.set(ref, new Map());
      r.files.get(ref)?.set(path, content);
    },
    addComment(fullName, issueNumber, login, body) {
      const r = api.repo(fullName);
      const c: Comment = {
        id: id(),
        issueNumber,
        user: login,
        body,
        createdAt: now(),
        updatedAt: now(),
        reactions: [],
      };
      r.comments.set(c.id, c);
      return c;
    },
    addApp(app) {
      apps.set(app.id, { slug: 'dove', ...app });
    },
    failNext(pathIncludes, status, times = 1) {
      failures.push({ pathIncludes, status, times });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return api;
}
