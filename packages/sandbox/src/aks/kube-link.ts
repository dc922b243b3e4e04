import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SandboxNetworkContext } from '../types.ts';
import type { KubeClusterHandle, NodePool } from './node-pools.ts';

type CreateKubeCluster = (
  ctx: SandboxNetworkContext,
  options: { name: string; nodePools: NodePool[] },
) => Promise<KubeClusterHandle>;

/**
 * The per-cluster Kubernetes API server lives in `../kube/`. It is loaded when present so the
 * ARM side of AKS works (and answers credentials with a clear error) without it.
 */
export async function loadKubeFactory(): Promise<CreateKubeCluster | undefined> {
  const file = join(dirname(fileURLToPath(import.meta.url)), '..', 'kube', 'index.ts');
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as { createKubeCluster?: CreateKubeCluster };
  return mod.createKubeCluster;
}
