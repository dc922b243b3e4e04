import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How the sandbox runs one image: a local command started with the container's env plus `PORT`. */
export interface ImageCommand {
  /** argv; `{node}` is replaced by the running Node executable. */
  command: string[];
  /** Working directory, relative to the repository root (default: the root). */
  cwd?: string;
  /** Extra environment the command needs (the container's env wins). */
  env?: Record<string, string>;
}

/** Image reference patterns (`*` matches any text) to commands. */
export type ImageMap = Record<string, ImageCommand>;

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

export const defaultImages: ImageMap = {
  '*/dove-examples/iris-scorer:*': {
    command: ['{node}', '--conditions=@dove/source', 'examples/iris/server/server.ts'],
    env: { HOST: '127.0.0.1' },
  },
  '*/dove-examples/fpga-scorer:*': {
    command: ['{node}', '--conditions=@dove/source', 'examples/fpga/server/server.ts'],
    env: { HOST: '127.0.0.1' },
  },
};

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`, 'i');
}

/** The command for `image`: later (user) entries win over the defaults. */
export function resolveImage(map: ImageMap, image: string): ImageCommand | undefined {
  const entries = Object.entries(map).reverse();
  for (const [pattern, cmd] of entries) if (patternToRegExp(pattern).test(image)) return cmd;
  return undefined;
}
