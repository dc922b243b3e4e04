// What every fault case must end in: success, or a clear failure with the previous version still
// serving; never a hang (each deploy has its own deadline) and never a stray rejection.
import type { DeployResult } from '@dove/deploy-core';

/** Fails when a deploy hit the suite's own deadline instead of finishing or failing on its own. */
export function assertFinishedInTime(r: DeployResult & { deadlineHit?: boolean }): void {
  if (r.deadlineHit || r.error?.code === 'DOVE_CANCELED')
    throw new Error(`the deploy did not finish before its deadline: ${r.error?.code} ${r.error?.message}`);
}

/** A failure a user can act on: a DOVE_/target error code and a message, not an internal crash. */
export function assertClearFailure(r: DeployResult & { deadlineHit?: boolean }): void {
  assertFinishedInTime(r);
  if (r.outcome === 'succeeded' || r.outcome === 'noop')
    throw new Error(`expected the deploy to fail, it ${r.outcome}`);
  if (!r.error?.code || !r.error.message)
    throw new Error(`a failed deploy must say why: ${JSON.stringify(r.error)}`);
  if (r.error.code === 'DOVE_INTERNAL')
    throw new Error(`a failed deploy must be a known error, not DOVE_INTERNAL: ${r.error.message}`);
}

/**
 * Collects unhandled rejections while a test runs (vitest's setup registers it): an unhandled
 * rejection anywhere in a deploy fails the test it happened in.
 */
export function watchUnhandledRejections(): { take(): unknown[] } {
  let seen: unknown[] = [];
  process.on('unhandledRejection', (reason) => {
    seen.push(reason);
  });
  return {
    take() {
      const out = seen;
      seen = [];
      return out;
    },
  };
}
