// The event that started the run, read as @actions/github's `context` reads it (without loading
// Octokit before it is needed): GITHUB_EVENT_NAME, the payload in GITHUB_EVENT_PATH, GITHUB_REF
// and GITHUB_SHA.
import { existsSync, readFileSync } from 'node:fs';
import { DoveError } from '@dove/deploy-core';

export function eventContext() {
  const path = process.env.GITHUB_EVENT_PATH;
  let payload: Record<string, unknown> = {};
  if (path && existsSync(path)) {
    try {
      payload = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new DoveError('DOVE_BAD_INPUT', `the event payload is not JSON (${(e as Error).message})`, {
        location: { file: path },
        hint: 'This file is written by the runner; run the Action from a GitHub workflow.',
      });
    }
  }
  return {
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    payload,
    ref: process.env.GITHUB_REF ?? '',
    sha: process.env.GITHUB_SHA ?? '',
  };
}
