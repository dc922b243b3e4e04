import { type ExitCode, exitCodeFor } from '../exit-codes.ts';
import type { Output } from './output.ts';

interface ErrorLike {
  code?: string;
  message?: string;
  hint?: string;
  target?: string;
}

/** Prints an error (human on stderr; under --json one document on stdout) and returns its exit code. */
export function reportError(out: Output, err: unknown): ExitCode {
  const e = (err ?? {}) as ErrorLike;
  const code = typeof e.code === 'string' ? e.code : 'DOVE_INTERNAL';
  const message = e.message ?? String(err);
  const exitCode = exitCodeFor(err);
  if (out.json) {
    out.document({
      ok: false,
      exitCode,
      error: {
        code,
        message,
        ...(e.hint ? { hint: e.hint } : {}),
        ...(e.target ? { target: e.target } : {}),
      },
    });
  }
  const c = out.color;
  out.err(`${c.red(c.bold('error'))} ${c.dim(code)}${e.target ? c.dim(` (${e.target})`) : ''}: ${message}`);
  if (e.hint) out.err(`${c.yellow('hint')}: ${e.hint}`);
  if (process.env.DOVE_DEBUG && err instanceof Error && err.stack) out.err(c.dim(err.stack));
  return exitCode;
}
