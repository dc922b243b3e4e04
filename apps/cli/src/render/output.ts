// Where the CLI writes: humans get colour and a live step list on a TTY and plain lines
// otherwise; `--json` gets exactly one JSON document on stdout and nothing else there.
import pc from 'picocolors';

export interface Output {
  json: boolean;
  tty: boolean;
  /** Human line on stdout (suppressed under --json). */
  line(text?: string): void;
  /** Diagnostics on stderr (always). */
  err(text: string): void;
  /** The one JSON document. */
  document(value: unknown): void;
  color: ReturnType<typeof pc.createColors>;
  /** Replaces every known secret by `***`. */
  mask(text: string): string;
  addSecret(value: string | undefined): void;
}

export function createOutput(options: {
  json: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
}): Output {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const tty = Boolean(stdout.isTTY) && !options.json && !process.env.CI;
  const color = pc.createColors(tty && !process.env.NO_COLOR);
  const secrets = new Set<string>();
  const mask = (text: string) => {
    let out = text;
    for (const s of secrets) out = out.split(s).join('***');
    return out;
  };
  return {
    json: options.json,
    tty,
    color,
    mask,
    addSecret: (value) => {
      if (value && value.length >= 4) secrets.add(value);
    },
    line: (text = '') => {
      if (!options.json) stdout.write(`${mask(text)}\n`);
    },
    err: (text) => stderr.write(`${mask(text)}\n`),
    document: (value) => stdout.write(`${mask(JSON.stringify(value, null, 2))}\n`),
  };
}

/** Seconds with one decimal, e.g. `12.3s`. */
export const seconds = (ms: number | undefined) => (ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);
