import { z } from 'zod';

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/, 'a Kubernetes quantity such as 500m, 1, 512Mi or 2Gi');
/** A Kubernetes object name (DNS label). */
export const k8sName = z
  .string()
  .regex(
    /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
    'lower-case letters, digits and -, starting and ending with a letter or digit',
  )
  .max(63);

/** Kubernetes quantity in base units, for comparing requests with limits. */
export function quantityValue(q: string): number {
  const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
  if (!m) return Number.NaN;
  const units: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(m[1]) * (m[2] ? units[m[2]]! : 1);
}

const probe = z.strictObject({
  path: z.string().startsWith('/').optional(),
  periodSeconds: z.number().int().min(1).default(10),
  initialDelaySeconds: z.number().int().min(0).default(5),
  timeoutSeconds: z.number().int().min(1).default(2),
  failureThreshold: z.number().int().min(1).default(3),
});
export type ProbeConfig = z.infer<typeof probe>;

/** Azure ML `AksWebservice` liveness defaults (initial delay 310 s suits its slow model load). */
export const AZUREML_PROBE: ProbeConfig = {
  periodSeconds: 10,
  initialDelaySeconds: 310,
  timeoutSeconds: 2,
  failureThreshold: 3,
};
/** Dove's defaults: a scoring server that answers its health route within seconds. */
export const DOVE_PROBE: ProbeConfig = {
  periodSeconds: 10,
  initialDelaySeconds: 5,
  timeoutSeconds: 2,
  failureThreshold: 3,
};

const resources = z
  .strictObject({
    requests: z.strictObject({ cpu: quantity.default('100m'), memory: quantity.default('512Mi') }).default({
      cpu: '100m',
      memory: '512Mi',
    }),
    limits: z.strictObject({ cpu: quantity.optional(), memory: quantity.optional() }).optional(),
  })
  .superRefine((r, ctx) => {
    for (const k of ['cpu', 'memory'] as const) {
      const limit = r.limits?.[k];
      if (limit && quantityValue(limit) < quantityValue(r.requests[k])) {
        ctx.addIssue({
          code: 'custom',
          path: ['limits', k],
          message: `must be >= resources.requests.${k} (${r.requests[k]}); raise the limit or lower the request`,
        });
      }
    }
  });

/** An existing AKS cluster: where it is and its name (targets composing AKS name it the same way). */
export const clusterRef = z.strictObject({
  subscription: z.string().min(1).optional(),
  resourceGroup: z.string().min(1),
  name: z
    .string()
    .regex(
      /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/,
      'an AKS cluster name (1-63 letters, digits, - and _)',
    ),
});

const cluster = clusterRef.extend({
  /** Opt-in: create the cluster when it does not exist (takes minutes and costs money). */
  create: z
    .strictObject({
      location: z.string().min(1),
      nodePool: z
        .strictObject({
          vmSize: z.string().min(1).default('Standard_DS3_v2'),
          count: z.number().int().min(1).max(1000).default(3),
          min: z.number().int().min(1).optional(),
          max: z.number().int().min(1).optional(),
        })
        .refine((p) => (p.min === undefined) === (p.max === undefined), 'set both min and max, or neither')
        .refine((p) => p.min === undefined || p.max === undefined || p.min <= p.max, {
          message: 'max must be >= min',
          path: ['max'],
        })
        .default({ vmSize: 'Standard_DS3_v2', count: 3 }),
    })
    .optional(),
});

const strategy = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('rolling') }),
  z.strictObject({ type: z.literal('blue-green') }),
  z.strictObject({ type: z.literal('canary'), weight: z.number().int().min(1).max(99).default(10) }),
]);

export const configSchema = z
  .strictObject({
    cluster: cluster.optional(),
    /** Path of a kubeconfig file, or the kubeconfig YAML itself (e.g. from a secret). */
    kubeconfig: z.string().min(1).optional(),
    context: z.string().optional(),
    namespace: k8sName.default('default'),
    /** Name of the Kubernetes objects (default: `<model>-<environment>`). */
    name: k8sName.optional(),
    replicas: z.number().int().min(1).max(100).optional(),
    autoscale: z
      .strictObject({
        min: z.number().int().min(1).default(1),
        max: z.number().int().min(1).default(10),
        targetUtilization: z.number().int().min(1).max(100).default(70),
      })
      .refine((a) => a.max >= a.min, { message: 'must be >= min', path: ['max'] })
      .optional(),
    resources: resources.default({ requests: { cpu: '100m', memory: '512Mi' } }),
    gpu: z.number().int().min(0).max(8).default(0),
    probes: z
      .union([
        z.literal('azureml'),
        z.literal('dove'),
        z.strictObject({ liveness: probe.optional(), readiness: probe.optional() }),
      ])
      .default('dove'),
    scoringTimeoutMs: z.number().int().min(1000).max(300_000).default(60_000),
    maxConcurrentRequests: z.number().int().min(1).max(1000).default(1),
    env: z.record(z.string(), z.string()).default({}),
    /** Values put in a Kubernetes Secret and given to the container as env; never printed. */
    secrets: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string())
      .default({}),
    imagePullSecret: k8sName.optional(),
    acr: z.string().optional(),
    service: z
      .strictObject({
        type: z.enum(['LoadBalancer', 'internal', 'ClusterIP']).default('LoadBalancer'),
        port: z.number().int().min(1).max(65535).default(80),
        ingressHost: z.string().optional(),
      })
      .default({ type: 'LoadBalancer', port: 80 }),
    auth: z.strictObject({ enabled: z.boolean().default(true) }).default({ enabled: true }),
    labels: z.record(z.string(), z.string()).default({}),
    annotations: z.record(z.string(), z.string()).default({}),
    strategy: strategy.default({ type: 'rolling' }),
    /** Seconds a rollout may make no progress before it counts as failed. */
    progressDeadlineSeconds: z.number().int().min(10).max(3600).default(600),
  })
  .superRefine((c, ctx) => {
    if (!c.cluster && !c.kubeconfig) {
      ctx.addIssue({
        code: 'custom',
        path: ['cluster'],
        message: 'name the cluster ({ resourceGroup, name }) or give a kubeconfig',
      });
    }
    if (c.cluster && c.kubeconfig) {
      ctx.addIssue({
        code: 'custom',
        path: ['kubeconfig'],
        message: 'give either cluster or kubeconfig, not both',
      });
    }
    if (c.replicas !== undefined && c.autoscale) {
      ctx.addIssue({
        code: 'custom',
        path: ['replicas'],
        message: 'give either replicas or autoscale, not both',
      });
    }
    if (c.imagePullSecret && c.acr) {
      ctx.addIssue({
        code: 'custom',
        path: ['acr'],
        message: 'give either imagePullSecret or acr, not both',
      });
    }
    if (c.strategy.type !== 'rolling' && c.autoscale) {
      ctx.addIssue({
        code: 'custom',
        path: ['strategy'],
        message: `${c.strategy.type} needs a fixed replica count; use replicas instead of autoscale`,
      });
    }
  });

export type AksConfig = z.infer<typeof configSchema>;
