import type { DoveSpec, TargetContext } from '@dove/deploy-core';
import { expect, test } from 'vitest';
import { type AksConfig, configSchema } from './config.ts';
import { buildDesired, isNoop, type Live } from './desired.ts';
import { canaryReplicas } from './manifests.ts';

type Ctx = TargetContext<AksConfig>;
const ctxWith = (settings: Record<string, unknown>, specHash = 'h1'): Ctx =>
  ({
    environment: 'prod',
    config: configSchema.parse({ cluster: { resourceGroup: 'rg', name: 'c' }, ...settings }),
    model: { name: 'iris', version: '1.0.0' },
    scoring: { image: 'iris:1', port: 5001, scoreRoute: '/score', healthRoute: '/', env: { A: '1' } },
    spec: {} as DoveSpec,
    specHash,
  }) as unknown as Ctx;
const empty: Live = { deployments: {}, others: {} };

test('rolling: Secret, Deployment, Service and HPA, each stamped with the spec hash', () => {
  const d = buildDesired(
    ctxWith({ autoscale: { min: 2, max: 5 }, secrets: { TOKEN: 's3cret' } }),
    empty,
    undefined,
    false,
  );
  expect(d.objects.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([
    'Secret/iris-prod-env',
    'Deployment/iris-prod',
    'Service/iris-prod',
    'HorizontalPodAutoscaler/iris-prod',
  ]);
  for (const m of d.objects) expect(m.metadata.annotations?.['dove.dev/spec-hash']).toBe('h1');
  const dep = d.objects[1]!.spec as {
    replicas: number;
    template: { spec: { containers: { env: { name: string }[] }[] } };
  };
  expect(dep.replicas).toBe(2);
  // Secret values go through the Secret, never into the Deployment.
  expect(JSON.stringify(dep)).not.toContain('s3cret');
  expect(d.keys?.primary).toMatch(/^[\w-]{32}$/);
});

test('blue-green: the new slot and a preview Service; the live slot keeps the traffic', () => {
  const first = buildDesired(
    ctxWith({ strategy: { type: 'blue-green' }, replicas: 2 }),
    empty,
    undefined,
    false,
  );
  expect(first.deployment).toBe('iris-prod-blue');
  expect(first.objects.map((m) => `${m.kind}/${m.metadata.name}`)).toContain('Service/iris-prod');
  const service = first.objects.find((m) => m.kind === 'Service' && m.metadata.name === 'iris-prod')!;
  const live: Live = { deployments: {}, others: {}, service };
  const second = buildDesired(
    ctxWith({ strategy: { type: 'blue-green' }, replicas: 2 }, 'h2'),
    live,
    undefined,
    false,
  );
  expect(second.deployment).toBe('iris-prod-green');
  expect(second.smokeService).toBe('iris-prod-preview');
  expect(second.objects.map((m) => `${m.kind}/${m.metadata.name}`)).not.toContain('Service/iris-prod');
});

test('canary: a canary Deployment sized for the weight beside the stable one', () => {
  expect(canaryReplicas(9, 10)).toEqual({ stable: 9, canary: 1 });
  expect(canaryReplicas(3, 50)).toEqual({ stable: 3, canary: 3 });
  const stable = buildDesired(ctxWith({ replicas: 4 }), empty, undefined, false).objects.find(
    (m) => m.kind === 'Deployment',
  )!;
  const live: Live = { deployments: { stable }, others: {} };
  const d = buildDesired(
    ctxWith({ strategy: { type: 'canary', weight: 20 }, replicas: 4 }, 'h2'),
    live,
    undefined,
    false,
  );
  expect(d.deployment).toBe('iris-prod-canary');
  const canary = d.objects.find((m) => m.kind === 'Deployment')!;
  expect((canary.spec as { replicas: number }).replicas).toBe(1);
});

test('no-op when the live Deployment and Service carry this spec hash', () => {
  const ctx = ctxWith({});
  const d = buildDesired(ctx, empty, undefined, false);
  const live: Live = {
    deployments: { stable: d.objects.find((m) => m.kind === 'Deployment')! },
    service: d.objects.find((m) => m.kind === 'Service')!,
    others: {},
  };
  expect(isNoop(ctx, live)).toBe(true);
  expect(isNoop(ctxWith({}, 'other'), live)).toBe(false);
});

test('the FPGA extension adds the device, placement and gRPC port', () => {
  const d = buildDesired(
    ctxWith({}),
    empty,
    {
      resources: { 'microsoft.com/fpga': '1' },
      nodeSelector: { 'dove.dev/accelerator': 'fpga' },
      tolerations: [{ key: 'fpga', operator: 'Exists', effect: 'NoSchedule' }],
      ports: [{ name: 'grpc', containerPort: 50051, servicePort: 50051, appProtocol: 'grpc' }],
    },
    false,
  );
  const dep = JSON.stringify(d.objects.find((m) => m.kind === 'Deployment'));
  expect(dep).toContain('"microsoft.com/fpga":"1"');
  expect(dep).toContain('"nodeSelector":{"dove.dev/accelerator":"fpga"}');
  const svc = d.objects.find((m) => m.kind === 'Service')!.spec as { ports: { name: string }[] };
  expect(svc.ports.map((p) => p.name)).toEqual(['http', 'grpc']);
});

test('a gRPC-only workload: the main port is named grpc, probes use the given action, no httpGet', () => {
  const d = buildDesired(
    ctxWith({}),
    empty,
    { mainPort: { name: 'grpc', appProtocol: 'grpc' }, probe: { grpc: { port: 5001 } } },
    false,
  );
  const dep = d.objects.find((m) => m.kind === 'Deployment')!;
  const c = (dep.spec as { template: { spec: { containers: Record<string, unknown>[] } } }).template.spec
    .containers[0]!;
  expect(c.ports).toEqual([{ name: 'grpc', containerPort: 5001 }]);
  expect(c.readinessProbe).toMatchObject({ grpc: { port: 5001 }, periodSeconds: 10 });
  expect(c.livenessProbe).toMatchObject({ grpc: { port: 5001 } });
  expect(JSON.stringify(c)).not.toContain('httpGet');
  const svc = d.objects.find((m) => m.kind === 'Service')!.spec as { ports: unknown[] };
  expect(svc.ports).toEqual([
    { name: 'grpc', port: 80, targetPort: 5001, protocol: 'TCP', appProtocol: 'grpc' },
  ]);
});

test('every Secret key reaches the container by secretKeyRef, besides envFrom', () => {
  const d = buildDesired(ctxWith({ secrets: { TOKEN: 's3cret' } }), empty, undefined, false);
  const dep = d.objects.find((m) => m.kind === 'Deployment')!;
  const c = (
    dep.spec as {
      template: { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } };
    }
  ).template.spec.containers[0]!;
  const refs = c.env.filter((e) => e.valueFrom).map((e) => e.name);
  expect(refs).toEqual(['TOKEN', 'DOVE_PRIMARY_KEY', 'DOVE_SECONDARY_KEY']);
  expect(c.env.find((e) => e.name === 'TOKEN')).toEqual({
    name: 'TOKEN',
    valueFrom: { secretKeyRef: { name: 'iris-prod-env', key: 'TOKEN' } },
  });
  expect(JSON.stringify(c)).not.toContain('s3cret');
});
