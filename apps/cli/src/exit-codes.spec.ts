import { expect, test } from 'vitest';
import { CliError, EXIT, exitCodeFor } from './exit-codes.ts';

test.each([
  ['DOVE_SPEC_INVALID', EXIT.badInput],
  ['DOVE_SPEC_NOT_FOUND', EXIT.badInput],
  ['DOVE_VARIABLE_UNSET', EXIT.badInput],
  ['DOVE_SETTINGS_INVALID', EXIT.badInput],
  ['DOVE_TARGET_UNKNOWN', EXIT.badInput],
  ['DOVE_LOCKED', EXIT.locked],
  ['DOVE_AUTH', EXIT.auth],
  ['DOVE_CANCELED', EXIT.canceled],
  ['DOVE_VERIFY_FAILED', EXIT.failed],
  ['DOVE_ROLLBACK_FAILED', EXIT.failed],
  ['DOVE_QUOTA', EXIT.failed],
])('deploy-core code %s exits %i', (code, exit) => {
  expect(exitCodeFor({ code })).toBe(exit);
});

test('HTTP 401/403 from an SDK is an auth failure; AbortError is a cancel; anything else fails', () => {
  expect(exitCodeFor({ statusCode: 403, code: 'AuthorizationFailed' })).toBe(EXIT.auth);
  expect(exitCodeFor(Object.assign(new Error('x'), { name: 'AbortError' }))).toBe(EXIT.canceled);
  expect(exitCodeFor(new Error('boom'))).toBe(EXIT.failed);
  expect(exitCodeFor(new CliError('x', { exitCode: EXIT.badInput, code: 'DOVE_BAD_FLAG' }))).toBe(
    EXIT.badInput,
  );
});
