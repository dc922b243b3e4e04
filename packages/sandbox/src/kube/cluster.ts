import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { withFaultsAndLog } from '../serve.ts';
import { specDir } from '../spec-check.ts';
import type { SandboxNetworkContext } from '../types.ts';
import { startDeploymentController } from './controller.ts';
import { kindFor } from './kinds.ts';
import { makeApiHandler } from './server.ts';
import { startServiceRouter } from './services.ts';
import { kubeError } from './status.ts';
import { KubeStore } from './store.ts';

export interface KubeNodePool {
  name: string;
  count: number;
  vmSize: string;
  labels?: Record<string, string>;
  nodeLabels?: Record<string, string>;
  taints?: string[];
  nodeTaints?: string[];
  capacity?: Record<string, string>;
}

export interface KubeCluster {
  server: string;
  kubeconfig(user?: string): string;
  setNodePools(pools: KubeNodePool[]): void;
  stop(): Promise<void>;
}

const openapiGroups: Record<string, string> = {
  '/openapi/v3/apis/apps/v1': 'apis__apps__v1_openapi.json',
  '/openapi/v3/apis/autoscaling/v2': 'apis__autoscaling__v2_openapi.json',
};

function openapi(path: string): unknown | undefined {
  if (path === '/openapi/v3')
    return {
      paths: Object.fromEntries(
        Object.keys(openapiGroups).map((p) => [p.slice('/openapi/v3/'.length), { serverRelativeURL: p }]),
      ),
    };
  const file = openapiGroups[path];
  return file ? JSON.parse(readFileSync(join(specDir, 'kubernetes', 'openapi-v3', file), 'utf8')) : undefined;
}

/** One cluster's API server: TLS on loopback, bearer-token auth, state in memory. */
export async function createKubeCluster(
  ctx: SandboxNetworkContext,
  options: { name: string; nodePools?: KubeNodePool[] },
): Promise<KubeCluster> {
  const store = new KubeStore();
  const nsKind = kindFor('', 'v1', 'namespaces')!;
  for (const ns of ['default', 'kube-system', 'kube-public'])
    store.create(nsKind, undefined, {
      metadata: { name: ns },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  const tokens = new Map<string, string>([['clusterUser', randomBytes(24).toString('hex')]]);
  const controller = startDeploymentController(ctx, store);
  const handler = makeApiHandler(store, openapi, (ns, pod) => controller.processOf(ns, pod));
  const router = startServiceRouter(ctx, store, controller.processOf);
  const { certPem, keyPem } = await ctx.ca.issue(['127.0.0.1', 'localhost']);
  // Fault rules with api 'k8s' and the request log, as for every API the sandbox serves;
  // injected errors carry Kubernetes' Status shape.
  const faultStatus = (status: number) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `Injected by the sandbox's fault rules (${status}).`,
    reason: status === 429 ? 'TooManyRequests' : status === 503 ? 'ServiceUnavailable' : 'InternalError',
    code: status,
  });
  const server = createServer(
    { cert: certPem, key: keyPem },
    withFaultsAndLog(
      ctx,
      'k8s',
      (req, res) => {
        const auth = String(req.headers.authorization ?? '');
        const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
        if (![...tokens.values()].includes(token)) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify(kubeError(401, 'Unauthorized').body));
          return;
        }
        return handler(req, res);
      },
      faultStatus,
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const nodeKind = kindFor('', 'v1', 'nodes')!;
  function setNodePools(pools: KubeNodePool[]): void {
    const wanted = new Set<string>();
    for (const pool of pools)
      for (let i = 0; i < pool.count; i++) {
        const name = `aks-${pool.name}-${String(10000000 + i)}-vmss${String(i).padStart(6, '0')}`;
        wanted.add(name);
        if (store.get(nodeKind, undefined, name)) continue;
        const capacity = pool.capacity ?? { cpu: '2', memory: '4Gi', pods: '110' };
        const taints = (pool.taints ?? pool.nodeTaints ?? []).map((t) => {
          const [kv, effect] = t.split(':') as [string, string];
          const [key, value] = kv.split('=') as [string, string | undefined];
          return { key, ...(value ? { value } : {}), effect };
        });
        store.create(nodeKind, undefined, {
          metadata: {
            name,
            labels: {
              agentpool: pool.name,
              'kubernetes.azure.com/agentpool': pool.name,
              'node.kubernetes.io/instance-type': pool.vmSize,
              ...(pool.labels ?? pool.nodeLabels ?? {}),
            },
          },
          spec: taints.length ? { taints } : {},
          status: {
            capacity,
            allocatable: capacity,
            conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
          },
        });
      }
    for (const n of store.list(nodeKind))
      if (!wanted.has(n.metadata.name)) store.delete(nodeKind, undefined, n.metadata.name);
  }
  setNodePools(options.nodePools ?? [{ name: 'nodepool1', count: 1, vmSize: 'Standard_DS2_v2' }]);

  return {
    server: url,
    kubeconfig(user = 'clusterUser') {
      if (!tokens.has(user)) tokens.set(user, randomBytes(24).toString('hex'));
      const ca = Buffer.from(ctx.ca.certPem).toString('base64');
      const userName = `${user}_${options.name}`;
      return [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: ${options.name}`,
        '  cluster:',
        `    server: ${url}`,
        `    certificate-authority-data: ${ca}`,
        'contexts:',
        `- name: ${options.name}`,
        '  context:',
        `    cluster: ${options.name}`,
        `    user: ${userName}`,
        `current-context: ${options.name}`,
        'users:',
        `- name: ${userName}`,
        '  user:',
        `    token: ${tokens.get(user)}`,
        '',
      ].join('\n');
    },
    setNodePools,
    async stop() {
      await router.stop();
      await controller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
