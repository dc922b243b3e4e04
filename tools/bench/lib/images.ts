// Images only the benchmarks use: the example's scorer, started after a fixed delay, which
// stands in for a platform's start-up time where the sandbox has no delay of its own (a pod on
// an existing AKS cluster starts as fast as its process).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SandboxOptions } from '@dove/sandbox';
import { repoRoot } from './env.ts';

export const SLOW_SCORER = 'bench.dove.local/dove-bench/slow-iris-scorer:1.0.0';

export function slowScorerImages(startMs: number): NonNullable<SandboxOptions['images']> {
  const server = pathToFileURL(join(repoRoot, 'examples', 'iris', 'server', 'server.ts')).href;
  return {
    'bench.dove.local/dove-bench/slow-iris-scorer:*': {
      command: [
        '{node}',
        '--conditions=@dove/source',
        '--disable-warning=ExperimentalWarning',
        '-e',
        `setTimeout(() => import(${JSON.stringify(server)}), ${Math.round(startMs)})`,
      ],
      env: { HOST: '127.0.0.1' },
    },
  };
}
