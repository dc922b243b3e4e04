// The Octokit the bot is given by Probot (REST methods, pagination, retries, throttling).
import type { ProbotOctokit } from 'probot';

export type GitHub = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The HTTP status of an Octokit error, if any. */
export const httpStatus = (e: unknown): number | undefined => (e as { status?: number }).status;

/** A file's text at a ref through the contents API; undefined when there is no such file. */
export async function readFile(
  octokit: GitHub,
  repo: RepoRef,
  path: string,
  ref: string,
): Promise<string | undefined> {
  try {
    const res = await octokit.rest.repos.getContent({ ...repo, path, ref });
    const data = res.data as { type?: string; content?: string; encoding?: string };
    if (Array.isArray(res.data) || data.type !== 'file' || typeof data.content !== 'string') {
      throw new Error(`${path} at ${ref} is not a file`);
    }
    return Buffer.from(data.content, (data.encoding as BufferEncoding) ?? 'base64').toString('utf8');
  } catch (e) {
    if (httpStatus(e) === 404) return undefined;
    throw e;
  }
}
