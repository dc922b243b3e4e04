import { expect, test } from 'vitest';
import { configSchema, quantityValue } from './config.ts';

const cluster = { resourceGroup: 'rg', name: 'prod-aks' };
const issues = (input: unknown) => {
  const r = configSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

test('defaults: rolling, LoadBalancer on port 80, key auth, Dove probes, one replica', () => {
  const c = configSchema.parse({ cluster });
  expect(c.strategy).toEqual({ type: 'rolling' });
  expect(c.service).toEqual({ type: 'LoadBalancer', port: 80 });
  expect(c.auth.enabled).toBe(true);
  expect(c.probes).toBe('dove');
  expect(c.namespace).toBe('default');
  expect(c.scoringTimeoutMs).toBe(60_000);
});

test.each([
  [{}, 'cluster: name the cluster'],
  [{ cluster, kubeconfig: 'x' }, 'kubeconfig: give either cluster or kubeconfig'],
  [{ cluster, replicas: 2, autoscale: { min: 1, max: 3 } }, 'replicas: give either replicas or autoscale'],
  [{ cluster, autoscale: { min: 5, max: 2 } }, 'autoscale.max: must be >= min'],
  [
    { cluster, resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } } },
    'resources.limits.cpu: must be >= resources.requests.cpu',
  ],
  [
    { cluster, resources: { requests: { memory: 'lots' } } },
    'resources.requests.memory: a Kubernetes quantity',
  ],
  [{ cluster, strategy: { type: 'canary', weight: 100 } }, 'strategy.weight'],
  [
    { cluster, strategy: { type: 'blue-green' }, autoscale: {} },
    'strategy: blue-green needs a fixed replica count',
  ],
  [{ cluster: { ...cluster, name: 'bad name!' } }, 'cluster.name'],
  [
    { cluster: { ...cluster, create: { location: 'westeurope', nodePool: { min: 3 } } } },
    'set both min and max',
  ],
  [{ cluster, namespace: 'Prod' }, 'namespace'],
  [{ cluster, secrets: { 'not-an-env': 'x' } }, 'secrets.not-an-env'],
  [{ cluster, replicaz: 2 }, 'replicaz'],
])('refuses bad settings %#', (input, expected) => {
  expect(issues(input).join('\n')).toContain(expected);
});

test('quantities compare across units', () => {
  expect(quantityValue('500m')).toBe(0.5);
  expect(quantityValue('1Gi')).toBeGreaterThan(quantityValue('1000Mi'));
  expect(Number.isNaN(quantityValue('x'))).toBe(true);
});
