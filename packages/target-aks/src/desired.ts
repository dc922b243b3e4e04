import { randomBytes } from 'node:crypto';
import type { Change, TargetContext } from '@dove/deploy-core';
import type { AksConfig } from './config.ts';
import type { WorkloadExtension } from './extension.ts';
import type { Kube } from './kube.ts';
import {
  canaryReplicas,
  deployHash,
  deploymentManifest,
  hpaManifest,
  ingressManifest,
  type Manifest,
  needsSecret,
  secretManifest,
  serviceManifest,
} from './manifests.ts';
import { ANNOTATION_HASH, baseName, deploymentName, LABEL_TRACK, type Track } from './names.ts';

type Ctx = TargetContext<AksConfig>;

export interface Keys {
  primary: string;
  secondary: string;
}

/** What `apply` sends and `verify` checks. */
export interface Desired {
  namespace: string;
  objects: Manifest[];
  /** The Deployment carrying the new version. */
  deployment: string;
  track: Track;
  /** The Service to smoke-test (the preview one for blue-green). */
  smokeService: string;
  /** The Service users call. */
  service: string;
  createCluster: boolean;
  keys?: Keys;
}

/** What served before, for `rollback`. */
export interface Previous {
  /** Live Deployments of this environment before apply, by name. */
  deployments: Record<string, Manifest>;
  /** Names of objects this deploy creates (removed again on rollback). */
  creates: string[];
}

/** Live objects of one environment, read once per plan. */
export interface Live {
  secret?: Manifest;
  service?: Manifest;
  deployments: Partial<Record<Track, Manifest>>;
  others: Record<string, Manifest | undefined>;
}

const hashOf = (m?: Manifest) => m?.metadata.annotations?.[ANNOTATION_HASH];
const stamp = (m: Manifest, hash: string): Manifest => ({
  ...m,
  metadata: { ...m.metadata, annotations: { ...m.metadata.annotations, [ANNOTATION_HASH]: hash } },
});
export const objectKey = (m: Manifest) => `${m.kind}/${m.metadata.name}`;

export async function readLive(ctx: Ctx, kube: Kube): Promise<Live> {
  const ns = ctx.config.namespace;
  const base = baseName(ctx);
  const live: Live = { deployments: {}, others: {} };
  for (const track of ['stable', 'canary', 'blue', 'green'] as const) {
    const d = await kube.read('Deployment', 'apps/v1', ns, deploymentName(base, track));
    if (d) live.deployments[track] = d;
  }
  live.service = await kube.read('Service', 'v1', ns, base);
  live.secret = await kube.read('Secret', 'v1', ns, `${base}-env`);
  return live;
}

function keysFrom(secret: Manifest | undefined): Keys {
  const data = (secret?.data ?? {}) as Record<string, string>;
  const read = (k: string) => (data[k] ? Buffer.from(data[k], 'base64').toString('utf8') : undefined);
  return {
    primary: read('DOVE_PRIMARY_KEY') ?? randomBytes(24).toString('base64url'),
    secondary: read('DOVE_SECONDARY_KEY') ?? randomBytes(24).toString('base64url'),
  };
}

/** The blue-green slot users' traffic goes to now, from the Service's selector. */
export function activeSlot(service: Manifest | undefined): Track | undefined {
  const t = (service?.spec as { selector?: Record<string, string> } | undefined)?.selector?.[LABEL_TRACK];
  return t === 'blue' || t === 'green' ? t : undefined;
}

export function buildDesired(
  ctx: Ctx,
  live: Live,
  extension: WorkloadExtension | undefined,
  createCluster: boolean,
): Desired {
  const { config } = ctx;
  const ns = config.namespace;
  const base = baseName(ctx);
  const keys = config.auth.enabled ? keysFrom(live.secret) : undefined;
  if (ctx.modelDelivery?.sasToken) ctx.secret(ctx.modelDelivery.sasToken);
  const withSecret = needsSecret(ctx, keys !== undefined);
  const objects: Manifest[] = [];
  if (ns !== 'default') objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  if (withSecret) objects.push(secretManifest(ctx, ns, keys));
  const replicas = config.replicas ?? config.autoscale?.min ?? 1;
  const strategy = config.strategy;
  let track: Track = 'stable';
  let smokeService = base;
  if (strategy.type === 'blue-green') {
    const active = activeSlot(live.service);
    track = active === 'blue' ? 'green' : 'blue';
    objects.push(
      deploymentManifest(ctx, ns, { track, replicas, withSecret, ...(extension ? { extension } : {}) }),
    );
    smokeService = `${base}-preview`;
    objects.push(
      serviceManifest(ctx, ns, { name: smokeService, track, ...(extension ? { extension } : {}) }),
    );
    if (!active) objects.push(serviceManifest(ctx, ns, { track, ...(extension ? { extension } : {}) }));
  } else if (strategy.type === 'canary' && live.deployments.stable) {
    track = 'canary';
    const n = canaryReplicas(replicas, strategy.weight);
    objects.push(
      deploymentManifest(ctx, ns, {
        track,
        replicas: n.canary,
        withSecret,
        ...(extension ? { extension } : {}),
      }),
    );
    objects.push(serviceManifest(ctx, ns, extension ? { extension } : {}));
  } else {
    const d = deploymentManifest(ctx, ns, {
      track,
      replicas,
      withSecret,
      ...(extension ? { extension } : {}),
    });
    // With an autoscaler the HPA owns replicas; applying a count would fight it.
    if (config.autoscale && live.deployments.stable) delete (d.spec as { replicas?: number }).replicas;
    objects.push(d);
    objects.push(serviceManifest(ctx, ns, extension ? { extension } : {}));
    const hpa = hpaManifest(ctx, ns);
    if (hpa) objects.push(hpa);
  }
  const ingress = ingressManifest(ctx, ns);
  if (ingress) objects.push(ingress);
  return {
    namespace: ns,
    objects: objects.map((m) => stamp(m, deployHash(ctx))),
    deployment: deploymentName(base, track),
    track,
    smokeService,
    service: base,
    createCluster,
    ...(keys ? { keys } : {}),
  };
}

/** True when what serves already is this spec: nothing to do. */
export function isNoop(ctx: Ctx, live: Live): boolean {
  const s = ctx.config.strategy.type;
  if (s === 'blue-green') {
    const active = activeSlot(live.service);
    return active !== undefined && hashOf(live.deployments[active]) === deployHash(ctx);
  }
  if (s === 'canary' && live.deployments.canary) return false;
  const hash = deployHash(ctx);
  return hashOf(live.deployments.stable) === hash && hashOf(live.service) === hash;
}

/** Object-level changes: each desired object added, or changed when its spec hash differs. */
export async function diff(kube: Kube, desired: Desired): Promise<{ changes: Change[]; creates: string[] }> {
  const changes: Change[] = [];
  const creates: string[] = [];
  for (const m of desired.objects) {
    const live = await kube.read(
      m.kind,
      m.apiVersion,
      m.kind === 'Namespace' ? '' : desired.namespace,
      m.metadata.name,
    );
    if (!live) {
      changes.push({ path: objectKey(m), kind: 'add' });
      creates.push(objectKey(m));
    } else if (hashOf(live) !== hashOf(m) && m.kind !== 'Namespace') {
      changes.push({ path: objectKey(m), kind: 'change', before: hashOf(live), after: hashOf(m) });
    }
  }
  return { changes, creates };
}

/** A live Deployment reduced to what re-applying it needs (no status, no server-set metadata). */
export function restorable(d: Manifest): Manifest {
  const spec = d.spec as Record<string, unknown>;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: d.metadata.name,
      namespace: d.metadata.namespace!,
      labels: d.metadata.labels ?? {},
      annotations: Object.fromEntries(
        Object.entries(d.metadata.annotations ?? {}).filter(
          ([k]) => !k.startsWith('deployment.kubernetes.io/'),
        ),
      ),
    },
    spec: {
      replicas: spec.replicas,
      selector: spec.selector,
      template: spec.template,
      ...(spec.progressDeadlineSeconds ? { progressDeadlineSeconds: spec.progressDeadlineSeconds } : {}),
      ...(spec.strategy ? { strategy: spec.strategy } : {}),
    },
  };
}
