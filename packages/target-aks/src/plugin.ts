import type { Plan, TargetContext, TargetPlugin, TargetStatus } from '@dove/deploy-core';
import { createCluster, findCluster, kubeconfigText } from './cluster.ts';
import { type AksConfig, configSchema } from './config.ts';
import {
  activeSlot,
  buildDesired,
  type Desired,
  diff,
  isNoop,
  objectKey,
  type Previous,
  readLive,
  restorable,
} from './desired.ts';
import { serviceAddress, serviceEndpoint, smoke } from './endpoint.ts';
import type { WorkloadExtension } from './extension.ts';
import { connect, type Kube, kubeConfigFrom } from './kube.ts';
import {
  deploymentManifest,
  type Manifest,
  MODEL_SAS_VAR,
  needsSecret,
  serviceManifest,
} from './manifests.ts';
import { ANNOTATION_VERSION, baseName, deploymentName, type Track } from './names.ts';
import { diagnose, RolloutError, waitForRollout } from './rollout.ts';

type Ctx = TargetContext<AksConfig>;

export interface AksOptions {
  /** Plugin name (default `dove:aks`); a composing target gives its own. */
  name?: string;
  kind?: string;
  description?: string;
  /** Device, node placement and extra ports for a composing target (FPGA). */
  extension?: WorkloadExtension;
  /** How often rollouts are polled (ms, default 250). */
  pollMs?: number;
}

async function kubeFor(ctx: Ctx): Promise<Kube> {
  return connect(kubeConfigFrom(await kubeconfigText(ctx), ctx.config.context), ctx.requests);
}

const SLOTS: Track[] = ['stable', 'canary', 'blue', 'green'];

/** `aks()`: deploys the scoring image to an AKS cluster with rolling, blue-green or canary rollouts. */
export function aks(options: AksOptions = {}): TargetPlugin<AksConfig, Desired, Previous> {
  const extension = options.extension;
  const pollMs = options.pollMs ?? 250;

  async function removeDeploy(kube: Kube, ns: string, name: string) {
    await kube.remove('Deployment', 'apps/v1', ns, name);
  }

  async function applyAll(ctx: Ctx, kube: Kube, objects: Manifest[]) {
    for (const m of objects) {
      ctx.progress(`apply ${objectKey(m)}`);
      await kube.apply(m);
    }
  }

  return {
    name: options.name ?? 'dove:aks',
    kind: options.kind ?? 'aks',
    description:
      options.description ??
      'Azure Kubernetes Service: autoscaling, probes, rolling / blue-green / canary rollouts',
    configSchema,

    async plan(ctx): Promise<Plan<Desired, Previous>> {
      for (const v of Object.values(ctx.config.secrets)) ctx.secret(v);
      const warnings: string[] = [];
      if (ctx.config.cluster && !ctx.config.kubeconfig) {
        const found = await findCluster(ctx);
        if (!found) {
          const c = ctx.config.cluster;
          if (!c.create) {
            throw new Error(
              `targets.${ctx.environment}.cluster: AKS cluster ${c.name} was not found in resource group ${c.resourceGroup}. Fix the name, or add cluster.create { location, nodePool } to let Dove create it.`,
            );
          }
          const pool = c.create.nodePool;
          warnings.push(
            `CREATES AN AKS CLUSTER: ${c.name} in ${c.create.location} with ${pool.count} x ${pool.vmSize} nodes. This takes minutes and is billed until you delete it.`,
          );
          const desired = buildDesired(ctx, { deployments: {}, others: {} }, extension, true);
          return {
            action: 'create',
            summary: `create AKS cluster ${c.name} and deploy ${desired.deployment}`,
            changes: [
              { path: `managedClusters/${c.name}`, kind: 'add' },
              ...desired.objects.map((m) => ({ path: objectKey(m), kind: 'add' as const })),
            ],
            warnings,
            desired,
            previous: { deployments: {}, creates: desired.objects.map(objectKey) },
          };
        }
      }
      const kube = await kubeFor(ctx);
      const live = await readLive(ctx, kube);
      const desired = buildDesired(ctx, live, extension, false);
      if (desired.keys) {
        ctx.secret(desired.keys.primary);
        ctx.secret(desired.keys.secondary);
      }
      const previous: Previous = { deployments: {}, creates: [] };
      for (const [track, d] of Object.entries(live.deployments)) {
        if (d) previous.deployments[track] = restorable(d);
      }
      if (isNoop(ctx, live)) {
        return {
          action: 'noop',
          summary: `${desired.service} already serves ${ctx.model.version}`,
          changes: [],
          warnings,
          desired,
          previous,
        };
      }
      const { changes, creates } = await diff(kube, desired);
      previous.creates = creates;
      const fresh = !live.deployments.stable && !activeSlot(live.service);
      const how = ctx.config.strategy.type === 'rolling' ? 'rolling update' : ctx.config.strategy.type;
      return {
        action: fresh ? 'create' : 'update',
        summary: `${fresh ? 'deploy' : how} ${desired.deployment} (${ctx.model.version}) in ${desired.namespace} on ${kube.server}`,
        changes,
        warnings,
        desired,
        previous,
      };
    },

    async apply(ctx, plan) {
      const desired = plan.desired;
      if (desired.createCluster) await createCluster(ctx);
      const kube = await kubeFor(ctx);
      await applyAll(ctx, kube, desired.objects);
      return {
        resourceId: `${desired.namespace}/${desired.deployment}`,
        details: { deployment: desired.deployment, track: desired.track, service: desired.service },
      };
    },

    async verify(ctx, _applied, plan) {
      const d = plan.desired;
      const kube = await kubeFor(ctx);
      const deployment = d.objects.find((m) => m.kind === 'Deployment')!;
      await waitForRollout(kube, deployment, {
        signal: ctx.signal,
        pollMs,
        progress: (m) => ctx.progress(m),
      });
      if (d.keys) {
        ctx.secret(d.keys.primary);
        ctx.secret(d.keys.secondary);
      }
      if (extension?.smoke && extension.endpoint) {
        const at = await serviceAddress(ctx, kube, d.namespace, d.smokeService);
        const result = await extension.smoke(at, d.keys, ctx.signal);
        if (!result.ok) {
          const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector
            .matchLabels;
          throw new RolloutError(
            `The smoke test of ${d.deployment} failed: ${result.message ?? 'no answer'}.`,
            await diagnose(kube, d.namespace, d.deployment, selector),
          );
        }
        const main =
          d.smokeService === d.service ? at : await serviceAddress(ctx, kube, d.namespace, d.service);
        const tested = extension.endpoint(at, d.keys);
        return {
          endpoint: extension.endpoint(main, d.keys),
          smoke: result,
          details: { testedAt: tested.scoringUri },
        };
      }
      const tested = await serviceEndpoint(ctx, kube, d.namespace, d.smokeService, d.keys);
      const result = await smoke(ctx, tested);
      if (!result.ok) {
        const selector = (deployment.spec as { selector: { matchLabels: Record<string, string> } }).selector
          .matchLabels;
        throw new RolloutError(
          `The smoke test of ${d.deployment} failed: ${result.message ?? 'no answer'}${result.body ? ` (body: ${result.body})` : ''}.`,
          await diagnose(kube, d.namespace, d.deployment, selector),
        );
      }
      const endpoint =
        d.smokeService === d.service
          ? tested
          : await serviceEndpoint(ctx, kube, d.namespace, d.service, d.keys);
      return { endpoint, smoke: result, details: { testedAt: tested.scoringUri } };
    },

    async rollback(ctx, plan) {
      const d = plan.desired;
      const prev = plan.previous ?? { deployments: {}, creates: [] };
      const kube = await kubeFor(ctx);
      const before = prev.deployments[d.track];
      // The slot users are on decides which model the shared Secret must read: stable (rolling,
      // canary), else the other blue-green colour, else the one being restored.
      await restoreModelSas(ctx, kube, d.objects, [
        prev.deployments.stable,
        ...Object.entries(prev.deployments)
          .filter(([track]) => track !== d.track)
          .map(([, m]) => m),
        before,
      ]);
      if (before) {
        ctx.progress(
          `restore ${before.metadata.name} to version ${before.metadata.annotations?.[ANNOTATION_VERSION] ?? 'before'}`,
        );
        await kube.apply(before);
        // Only the stable track carries users' traffic; an idle blue-green slot need not be waited for.
        if (d.track === 'stable')
          await waitForRollout(kube, before, { signal: ctx.signal, pollMs, failFast: false });
      } else {
        await removeDeploy(kube, d.namespace, d.deployment);
      }
      for (const key of prev.creates) {
        const [kind, name] = key.split('/') as [string, string];
        if (kind === 'Deployment' || kind === 'Namespace') continue;
        const m = d.objects.find((o) => objectKey(o) === key)!;
        await kube.remove(kind, m.apiVersion, d.namespace, name);
      }
    },

    async status(ctx) {
      const kube = await kubeFor(ctx);
      const live = await readLive(ctx, kube);
      const base: TargetStatus = { environment: ctx.environment, kind: 'aks', state: 'absent' };
      const track = activeSlot(live.service) ?? 'stable';
      const d = live.deployments[track];
      if (!d || !live.service) return base;
      const s = (d.status ?? {}) as { availableReplicas?: number };
      const want = (d.spec as { replicas?: number }).replicas ?? 1;
      const status: TargetStatus = {
        ...base,
        state:
          (s.availableReplicas ?? 0) >= want
            ? 'serving'
            : (s.availableReplicas ?? 0) > 0
              ? 'degraded'
              : 'provisioning',
        details: {
          deployment: d.metadata.name,
          canary: live.deployments.canary?.metadata.annotations?.[ANNOTATION_VERSION],
        },
      };
      const version = d.metadata.annotations?.[ANNOTATION_VERSION];
      const hash = d.metadata.annotations?.['dove.dev/spec-hash'];
      if (version) status.version = version;
      if (hash) status.specHash = hash;
      return status;
    },

    async destroy(ctx) {
      const kube = await kubeFor(ctx);
      const ns = ctx.config.namespace;
      const base = baseName(ctx);
      const removed: string[] = [];
      const targets: [string, string, string][] = [
        ...SLOTS.map((t): [string, string, string] => ['Deployment', 'apps/v1', deploymentName(base, t)]),
        ['Service', 'v1', base],
        ['Service', 'v1', `${base}-preview`],
        ['HorizontalPodAutoscaler', 'autoscaling/v2', base],
        ['Ingress', 'networking.k8s.io/v1', base],
        ['Secret', 'v1', `${base}-env`],
      ];
      for (const [kind, apiVersion, name] of targets) {
        if (await kube.remove(kind, apiVersion, ns, name)) removed.push(`${kind}/${name}`);
      }
      return { removed };
    },

    async logs(ctx, o) {
      const kube = await kubeFor(ctx);
      const pods = await kube.pods(ctx.config.namespace, { 'app.kubernetes.io/name': baseName(ctx) });
      const out: string[] = [];
      for (const p of pods)
        out.push(`== ${p.name}`, await kube.logs(ctx.config.namespace, p.name, o.tail ?? 100));
      return out.join('\n');
    },

    async promote(ctx) {
      const kube = await kubeFor(ctx);
      const live = await readLive(ctx, kube);
      const ns = ctx.config.namespace;
      const base = baseName(ctx);
      if (ctx.config.strategy.type === 'blue-green') {
        const preview = await kube.read('Service', 'v1', ns, `${base}-preview`);
        const slot = activeSlot(preview);
        if (!slot)
          throw new Error(
            `Nothing to promote: ${ns}/${base} has no preview slot. Deploy a new version first.`,
          );
        await kube.apply(serviceManifest(ctx, ns, { track: slot, ...(extension ? { extension } : {}) }));
        await kube.remove('Service', 'v1', ns, `${base}-preview`);
      } else if (ctx.config.strategy.type === 'canary') {
        const canary = live.deployments.canary;
        if (!canary)
          throw new Error(`Nothing to promote: ${ns}/${base} has no canary. Deploy a new version first.`);
        const template = (canary.spec as { template: unknown }).template;
        const stable = deploymentManifest(ctx, ns, {
          track: 'stable',
          replicas: ctx.config.replicas ?? 1,
          withSecret: needsSecret(ctx, ctx.config.auth.enabled),
          ...(extension ? { extension } : {}),
        });
        const labels = (stable.spec as { template: { metadata: { labels: Record<string, string> } } })
          .template.metadata.labels;
        const t = structuredClone(template) as { metadata: { labels: Record<string, string> } };
        t.metadata.labels = labels;
        (stable.spec as { template: unknown }).template = t;
        stable.metadata.annotations = canary.metadata.annotations ?? {};
        await kube.apply(stable);
        await waitForRollout(kube, stable, { signal: ctx.signal, pollMs });
        await removeDeploy(kube, ns, canary.metadata.name);
      } else {
        throw new Error(
          `promote: environment ${ctx.environment} uses the rolling strategy; there is nothing to promote.`,
        );
      }
      return this.status(ctx);
    },

    async reject(ctx) {
      const kube = await kubeFor(ctx);
      const ns = ctx.config.namespace;
      const base = baseName(ctx);
      if (ctx.config.strategy.type === 'blue-green') {
        const main = await kube.read('Service', 'v1', ns, base);
        const preview = await kube.read('Service', 'v1', ns, `${base}-preview`);
        const slot = activeSlot(preview);
        if (slot && slot !== activeSlot(main)) await removeDeploy(kube, ns, deploymentName(base, slot));
        await kube.remove('Service', 'v1', ns, `${base}-preview`);
      } else if (ctx.config.strategy.type === 'canary') {
        await removeDeploy(kube, ns, deploymentName(base, 'canary'));
      } else {
        throw new Error(
          `reject: environment ${ctx.environment} uses the rolling strategy; use rollback instead.`,
        );
      }
      return this.status(ctx);
    },
  };
}

/** The model URI a Deployment's pods read (`DOVE_MODEL_URI`). */
function modelUriOf(d: Manifest | undefined): string | undefined {
  const spec = d?.spec as {
    template?: { spec?: { containers?: { env?: { name: string; value?: string }[] }[] } };
  };
  return spec?.template?.spec?.containers?.[0]?.env?.find((e) => e.name === 'DOVE_MODEL_URI')?.value;
}

/**
 * Rolling back to a previous model version: the shared Secret holds the SAS issued for the
 * version that failed, and a SAS is scoped to one version, so pods of the restored version that
 * (re)start would be refused their model. Put a fresh SAS for the restored version back first.
 */
async function restoreModelSas(
  ctx: TargetContext<AksConfig>,
  kube: Kube,
  objects: Manifest[],
  candidates: (Manifest | undefined)[],
): Promise<void> {
  const delivery = ctx.modelDelivery;
  if (!delivery?.sasToken || !delivery.reissue) return;
  const uri = candidates.map(modelUriOf).find((u) => u !== undefined);
  if (!uri || uri === delivery.uri) return;
  const secret = objects.find((o) => o.kind === 'Secret');
  if (!secret) return;
  const old = await delivery.reissue(uri, ctx.signal);
  if (!old?.sasToken) {
    ctx.log(
      'warn',
      `the restored version's model (${uri}) is not in the model store; its pods keep the SAS they have`,
    );
    return;
  }
  ctx.secret(old.sasToken);
  ctx.progress(`restore the model SAS for ${uri}`);
  const data = {
    ...(secret.data as Record<string, string>),
    [MODEL_SAS_VAR]: Buffer.from(old.sasToken).toString('base64'),
  };
  await kube.apply({ ...secret, data });
}
