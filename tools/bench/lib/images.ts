// Images only the benchmarks use: the examples' scorers, started after a fixed delay, which
// stands in for a platform's start-up time where the sandbox has no delay of its own (a pod on
// an existing AKS cluster starts as fast as its process).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SandboxOptions } from '@dove/sandbox';
import { repoRoot } from './env.ts';

export const SLOW_SCORER = 'bench.dove.local/dove-bench/slow-iris-scorer:1.0.0';
export const SLOW_FPGA_SCORER = 'bench.dove.local/dove-bench/slow-fpga-scorer:1.0.0';

function slow(server: string, startMs: number) {
  const url = pathToFileURL(join(repoRoot, 'examples', server)).href;
  return {
    command: [
      '{node}',
      '--conditions=@dove/source',
      '--disable-warning=ExperimentalWarning',
      '-e',
      `setTimeout(() => import(${JSON.stringify(url)}), ${Math.round(startMs)})`,
    ],
    env: { HOST: '127.0.0.1' },
  };
}

export function slowScorerImages(startMs: number): NonNullable<SandboxOptions['images']> {
  return {
    'bench.dove.local/dove-bench/slow-iris-scorer:*': slow('iris/server/server.ts', startMs),
    'bench.dove.local/dove-bench/slow-fpga-scorer:*': slow('fpga/server/server.ts', startMs),
  };
}
