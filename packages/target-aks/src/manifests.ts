import { createHash } from 'node:crypto';
import type { TargetContext } from '@dove/deploy-core';
import { type AksConfig, AZUREML_PROBE, DOVE_PROBE, type ProbeConfig } from './config.ts';
import type { WorkloadExtension } from './extension.ts';
import {
  ANNOTATION_HASH,
  ANNOTATION_VERSION,
  baseName,
  deploymentName,
  LABEL_APP,
  LABEL_ENV,
  LABEL_TRACK,
  type Track,
} from './names.ts';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
};

type Ctx = Pick<TargetContext<AksConfig>, 'config' | 'model' | 'environment' | 'scoring' | 'specHash'> &
  Partial<Pick<TargetContext<AksConfig>, 'modelDelivery'>>;

/** Key of the Secret entry holding the model store SAS (the scoring server reads `DOVE_MODEL_SAS`). */
export const MODEL_SAS_VAR = 'DOVE_MODEL_SAS';

/**
 * The hash stamped on objects and compared for no-op: the spec hash, plus the model delivery URI
 * when the model store delivers the model (a new model version redeploys). The SAS is left out:
 * a fresh token for the same model is no reason to roll the pods.
 */
export function deployHash(ctx: Ctx): string {
  const uri = ctx.modelDelivery?.uri;
  if (!uri) return ctx.specHash;
  return createHash('sha256').update(`${ctx.specHash}\n${uri}`).digest('hex').slice(0, 40);
}

/** True when the environment needs its `<name>-env` Secret (secrets, auth keys or the model SAS). */
export function needsSecret(ctx: Ctx, withKeys: boolean): boolean {
  return withKeys || Object.keys(ctx.config.secrets).length > 0 || !!ctx.modelDelivery?.sasToken;
}

const GPU_RESOURCE = 'nvidia.com/gpu';

function probes(config: AksConfig): { liveness: ProbeConfig; readiness: ProbeConfig } {
  if (config.probes === 'azureml')
    return { liveness: AZUREML_PROBE, readiness: { ...AZUREML_PROBE, initialDelaySeconds: 0 } };
  if (config.probes === 'dove')
    return { liveness: DOVE_PROBE, readiness: { ...DOVE_PROBE, initialDelaySeconds: 0 } };
  return { liveness: config.probes.liveness ?? DOVE_PROBE, readiness: config.probes.readiness ?? DOVE_PROBE };
}

function httpProbe(p: ProbeConfig, path: string, port: number, action?: Record<string, unknown>) {
  return {
    ...(action ?? { httpGet: { path: p.path ?? path, port } }),
    periodSeconds: p.periodSeconds,
    initialDelaySeconds: p.initialDelaySeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
  };
}

/** Labels every object of this environment carries; `track` narrows to one Deployment. */
export function selectorLabels(ctx: Ctx, track?: Track): Record<string, string> {
  return {
    [LABEL_APP]: baseName(ctx),
    [LABEL_ENV]: ctx.environment,
    ...(track ? { [LABEL_TRACK]: track } : {}),
  };
}

export function secretName(ctx: Ctx): string {
  return `${baseName(ctx)}-env`;
}

/** The Secret holding `secrets` and the auth keys (values base64, as Kubernetes stores them). */
export function secretManifest(
  ctx: Ctx,
  namespace: string,
  keys?: { primary: string; secondary: string },
): Manifest {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.config.secrets)) data[k] = Buffer.from(v).toString('base64');
  if (keys) {
    data.DOVE_PRIMARY_KEY = Buffer.from(keys.primary).toString('base64');
    data.DOVE_SECONDARY_KEY = Buffer.from(keys.secondary).toString('base64');
  }
  const sas = ctx.modelDelivery?.sasToken;
  if (sas) data[MODEL_SAS_VAR] = Buffer.from(sas).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName(ctx), namespace, labels: { ...ctx.config.labels, ...selectorLabels(ctx) } },
    type: 'Opaque',
    data,
  };
}

export interface DeploymentOptions {
  track: Track;
  replicas: number;
  /** Secret exists (secrets or auth keys): mount it as env. */
  withSecret: boolean;
  extension?: WorkloadExtension;
}

export function deploymentManifest(ctx: Ctx, namespace: string, o: DeploymentOptions): Manifest {
  const { config, scoring } = ctx;
  const requests: Record<string, string> = { ...config.resources.requests };
  const limits: Record<string, string> = {};
  if (config.resources.limits?.cpu) limits.cpu = config.resources.limits.cpu;
  if (config.resources.limits?.memory) limits.memory = config.resources.limits.memory;
  if (config.gpu > 0) {
    requests[GPU_RESOURCE] = String(config.gpu);
    limits[GPU_RESOURCE] = String(config.gpu);
  }
  for (const [r, n] of Object.entries(o.extension?.resources ?? {})) {
    requests[r] = n;
    limits[r] = n;
  }
  const env = [
    ...Object.entries({ ...scoring.env, ...config.env }).map(([name, value]) => ({ name, value })),
    { name: 'DOVE_MODEL_NAME', value: ctx.model.name },
    { name: 'DOVE_MODEL_VERSION', value: ctx.model.version },
    { name: 'SCORING_TIMEOUT_MS', value: String(config.scoringTimeoutMs) },
    { name: 'MAX_CONCURRENT_REQUESTS', value: String(config.maxConcurrentRequests) },
  ];
  const delivery = ctx.modelDelivery;
  if (delivery) env.push({ name: 'DOVE_MODEL_URI', value: delivery.uri });
  // Secret values only ever reach the pod from the Secret, by reference. Each key is also named
  // explicitly (besides envFrom), so runtimes without envFrom (the sandbox) get them too.
  const secretKeys = o.withSecret
    ? [
        ...Object.keys(config.secrets),
        ...(config.auth.enabled ? ['DOVE_PRIMARY_KEY', 'DOVE_SECONDARY_KEY'] : []),
        ...(delivery?.sasToken ? [MODEL_SAS_VAR] : []),
      ]
    : [];
  const secretEnv = secretKeys.map((key) => ({
    name: key,
    valueFrom: { secretKeyRef: { name: secretName(ctx), key } },
  }));
  const p = probes(config);
  const labels = { ...config.labels, ...selectorLabels(ctx, o.track) };
  const annotations = {
    ...config.annotations,
    [ANNOTATION_HASH]: deployHash(ctx),
    [ANNOTATION_VERSION]: ctx.model.version,
  };
  const pullSecrets = config.imagePullSecret ? [{ name: config.imagePullSecret }] : undefined;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: deploymentName(baseName(ctx), o.track), namespace, labels, annotations },
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 5,
      progressDeadlineSeconds: config.progressDeadlineSeconds,
      selector: { matchLabels: selectorLabels(ctx, o.track) },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: {
        metadata: { labels, annotations },
        spec: {
          ...(pullSecrets ? { imagePullSecrets: pullSecrets } : {}),
          ...(o.extension?.nodeSelector ? { nodeSelector: o.extension.nodeSelector } : {}),
          ...(o.extension?.tolerations ? { tolerations: o.extension.tolerations } : {}),
          containers: [
            {
              name: 'scoring',
              image: scoring.image,
              ports: [
                { name: o.extension?.mainPort?.name ?? 'http', containerPort: scoring.port },
                ...(o.extension?.ports ?? []).map((x) => ({ name: x.name, containerPort: x.containerPort })),
              ],
              env: [...env, ...secretEnv],
              ...(o.withSecret ? { envFrom: [{ secretRef: { name: secretName(ctx) } }] } : {}),
              resources: { requests, ...(Object.keys(limits).length ? { limits } : {}) },
              livenessProbe: httpProbe(p.liveness, scoring.healthRoute, scoring.port, o.extension?.probe),
              readinessProbe: httpProbe(p.readiness, scoring.healthRoute, scoring.port, o.extension?.probe),
            },
          ],
        },
      },
    },
  };
}

/** The Service users call; `track` pins it to one Deployment (blue-green), none spans all (canary). */
export function serviceManifest(
  ctx: Ctx,
  namespace: string,
  o: { name?: string; track?: Track; extension?: WorkloadExtension },
): Manifest {
  const { service } = ctx.config;
  const internal = service.type === 'internal';
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: o.name ?? baseName(ctx),
      namespace,
      labels: { ...ctx.config.labels, ...selectorLabels(ctx) },
      annotations: {
        ...ctx.config.annotations,
        ...(internal ? { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } : {}),
      },
    },
    spec: {
      type: service.type === 'ClusterIP' ? 'ClusterIP' : 'LoadBalancer',
      selector: selectorLabels(ctx, o.track),
      ports: [
        {
          name: o.extension?.mainPort?.name ?? 'http',
          port: service.port,
          targetPort: ctx.scoring.port,
          protocol: 'TCP',
          ...(o.extension?.mainPort?.appProtocol ? { appProtocol: o.extension.mainPort.appProtocol } : {}),
        },
        ...(o.extension?.ports ?? []).map((x) => ({
          name: x.name,
          port: x.servicePort,
          targetPort: x.containerPort,
          protocol: 'TCP',
          ...(x.appProtocol ? { appProtocol: x.appProtocol } : {}),
        })),
      ],
    },
  };
}

export function hpaManifest(ctx: Ctx, namespace: string): Manifest | undefined {
  const a = ctx.config.autoscale;
  if (!a) return undefined;
  const name = baseName(ctx);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace, labels: { ...ctx.config.labels, ...selectorLabels(ctx) } },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas: a.min,
      maxReplicas: a.max,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.targetUtilization } },
        },
      ],
    },
  };
}

export function ingressManifest(ctx: Ctx, namespace: string): Manifest | undefined {
  const host = ctx.config.service.ingressHost;
  if (!host) return undefined;
  const name = baseName(ctx);
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name, namespace, labels: { ...ctx.config.labels, ...selectorLabels(ctx) } },
    spec: {
      rules: [
        {
          host,
          http: {
            paths: [
              {
                path: '/',
                pathType: 'Prefix',
                backend: { service: { name, port: { number: ctx.config.service.port } } },
              },
            ],
          },
        },
      ],
    },
  };
}

/** Replicas of the canary Deployment for a traffic `weight` (%) when the Service spans both. */
export function canaryReplicas(total: number, weight: number): { stable: number; canary: number } {
  const canary = Math.max(1, Math.round((total * weight) / (100 - weight)));
  return { stable: total, canary };
}
