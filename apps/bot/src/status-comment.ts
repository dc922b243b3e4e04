// One comment per command, created once and then edited: updates are coalesced (at most one
// edit per interval while a deploy runs) and written in order; `flush` writes the last state.
import type { GitHub, RepoRef } from './github.ts';
import { type RunView, renderComment } from './render.ts';

export class StatusComment {
  readonly view: RunView;
  id: number | undefined;
  url: string | undefined;
  readonly #octokit: GitHub;
  readonly #repo: RepoRef;
  readonly #issue: number;
  readonly #mask: (s: string) => string;
  readonly #intervalMs: number;
  #chain: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #written = '';
  #onError: (e: unknown) => void;

  constructor(o: {
    octokit: GitHub;
    repo: RepoRef;
    issue: number;
    view: RunView;
    mask: (s: string) => string;
    intervalMs: number;
    existingId?: number;
    onError: (e: unknown) => void;
  }) {
    this.#octokit = o.octokit;
    this.#repo = o.repo;
    this.#issue = o.issue;
    this.view = o.view;
    this.#mask = o.mask;
    this.#intervalMs = o.intervalMs;
    this.id = o.existingId;
    this.#onError = o.onError;
  }

  /** Ask for an edit soon (coalesced). */
  schedule(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#enqueue();
    }, this.#intervalMs);
  }

  /** Write the current state now and wait for every pending write. */
  async flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#enqueue();
    await this.#chain;
  }

  #enqueue() {
    this.#chain = this.#chain.then(() => this.#write()).catch((e) => this.#onError(e));
  }

  async #write() {
    this.view.updatedAt = new Date().toISOString();
    const body = renderComment(this.view, this.#mask);
    if (body === this.#written) return;
    if (this.id === undefined) {
      const res = await this.#octokit.rest.issues.createComment({
        ...this.#repo,
        issue_number: this.#issue,
        body,
      });
      this.id = res.data.id;
      this.url = res.data.html_url;
    } else {
      await this.#octokit.rest.issues.updateComment({ ...this.#repo, comment_id: this.id, body });
    }
    this.#written = body;
  }
}
