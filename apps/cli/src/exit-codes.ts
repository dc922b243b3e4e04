/** The exit codes of `dove`, documented in docs/cli.md. */
export const EXIT = {
  ok: 0,
  /** A deploy (or another operation) failed; a failed deploy has been rolled back. */
  failed: 1,
  /** Bad input: the spec, a flag or an argument. */
  badInput: 2,
  /** The environment is locked by another deploy. */
  locked: 3,
  /** Authentication or authorisation failed. */
  auth: 4,
  /** Canceled (Ctrl-C). */
  canceled: 130,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI itself raises: a message for humans and the exit code it means. */
export class CliError extends Error {
  override name = 'CliError';
  exitCode: ExitCode;
  code: string;
  hint?: string;
  constructor(message: string, options: { exitCode: ExitCode; code: string; hint?: string }) {
    super(message);
    this.exitCode = options.exitCode;
    this.code = options.code;
    if (options.hint) this.hint = options.hint;
  }
}

export function isCliError(err: unknown): err is CliError {
  return (err as { name?: unknown })?.name === 'CliError';
}

/**
 * Maps an error code from deploy-core's catalogue (or any SDK error) to an exit code, by the
 * family the code names. Unknown codes are failures (1).
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (isCliError(err)) return err.exitCode;
  const e = err as { code?: unknown; name?: unknown; statusCode?: unknown };
  const code = String(e?.code ?? '').toUpperCase();
  const name = String(e?.name ?? '');
  if (name === 'AbortError' || /CANCEL|ABORT/.test(code)) return EXIT.canceled;
  if (/LOCK/.test(code)) return EXIT.locked;
  if (/AUTH|CREDENTIAL|FORBIDDEN|UNAUTHORI[SZ]ED|TOKEN/.test(code) || name === 'AuthenticationError')
    return EXIT.auth;
  if (e?.statusCode === 401 || e?.statusCode === 403) return EXIT.auth;
  if (
    /SPEC|INVALID|CONFIG|VALIDATION|TARGET_UNKNOWN|TARGET_AMBIGUOUS|VARIABLE|SCHEMA|BAD_|VERSION_EXISTS/.test(
      code,
    )
  )
    return EXIT.badInput;
  return EXIT.failed;
}
