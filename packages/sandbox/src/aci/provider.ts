import type { ArmHost, ArmProvider, ArmRequest, ArmResponse, SandboxNetworkContext } from '../types.ts';
import { GroupRuntime } from './runtime.ts';
import { checkGroupBody, checkName, immutableChanges, updateInvalid } from './validate.ts';

type Obj = Record<string, unknown>;
const NS = 'Microsoft.ContainerInstance';

interface Group {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  tags: Record<string, string>;
  /** The definition as sent (secure values kept to start the containers, never returned). */
  properties: Obj;
  provisioningState: string;
  runtime: GroupRuntime;
}

const key = (sub: string, rg: string, name: string) => `${sub}/${rg}/${name}`.toLowerCase();
const normLocation = (l: string) => l.toLowerCase().replace(/\s+/g, '');

/** Azure omits `secureValue` on read: the definition without secrets. */
function publicProperties(p: Obj): Obj {
  const containers = (p.containers as Obj[]).map((c) => {
    const cp = c.properties as Obj;
    const env = (cp.environmentVariables as Obj[] | undefined)?.map((e) =>
      e.secureValue !== undefined ? { name: e.name } : { name: e.name, value: e.value },
    );
    return { name: c.name, properties: { ...cp, ...(env ? { environmentVariables: env } : {}) } };
  });
  const out: Obj = { ...p, containers };
  delete out.imageRegistryCredentials;
  const creds = p.imageRegistryCredentials as Obj[] | undefined;
  if (creds) out.imageRegistryCredentials = creds.map(({ password: _p, ...rest }) => rest);
  return out;
}

export function createAciProvider(ctx: SandboxNetworkContext, arm: ArmHost): ArmProvider {
  const groups = new Map<string, Group>();
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const fqdnOf = (g: { location: string; properties: Obj }) => {
    const label = (g.properties.ipAddress as Obj | undefined)?.dnsNameLabel;
    return typeof label === 'string' ? `${label}.${g.location}.azurecontainer.io` : undefined;
  };

  const view = (g: Group): Obj => {
    const p = publicProperties(g.properties);
    const containers = (p.containers as Obj[]).map((c) => {
      const iv = g.provisioningState === 'Succeeded' ? g.runtime.containerView(c.name as string) : undefined;
      return iv ? { ...c, properties: { ...(c.properties as Obj), instanceView: iv } } : c;
    });
    const ip = p.ipAddress as Obj | undefined;
    const fqdn = fqdnOf(g);
    const events = g.runtime.containers.flatMap((c) => c.events);
    return {
      id: `/subscriptions/${g.subscriptionId}/resourceGroups/${g.resourceGroup}/providers/${NS}/containerGroups/${g.name}`,
      name: g.name,
      type: `${NS}/containerGroups`,
      location: g.location,
      ...(Object.keys(g.tags).length ? { tags: g.tags } : {}),
      properties: {
        ...p,
        containers,
        ...(ip ? { ipAddress: { ...ip, ip: g.runtime.ip, ...(fqdn ? { fqdn } : {}) } } : {}),
        provisioningState: g.provisioningState,
        instanceView: {
          state: g.provisioningState === 'Succeeded' ? g.runtime.groupState() : 'Pending',
          events,
        },
      },
    };
  };

  const err = (e: { status: number; code: string; message: string }) =>
    arm.error(e.status, e.code, e.message);

  async function put(req: ArmRequest, rgName: string, name: string): Promise<ArmResponse> {
    const nameProblem = checkName(name);
    if (nameProblem) return err(nameProblem);
    const problem = checkGroupBody(name, req.body);
    if (problem) return err(problem);
    const body = req.body as Obj;
    const location = normLocation(body.location as string);
    const k = key(req.subscriptionId, rgName, name);
    const existing = groups.get(k);
    const properties = structuredClone(body.properties) as Obj;
    if (existing) {
      if (existing.location !== location)
        return arm.error(
          409,
          'InvalidResourceLocation',
          `The resource '${name}' already exists in location '${existing.location}' in resource group '${rgName}'. A resource with the same name cannot be created in location '${location}'. Please select a new resource name.`,
        );
      if (immutableChanges({ properties: existing.properties }, { properties }).length > 0)
        return err(updateInvalid(name));
    }
    const label = (properties.ipAddress as Obj | undefined)?.dnsNameLabel;
    if (typeof label === 'string')
      for (const other of groups.values())
        if (
          other !== existing &&
          other.location === location &&
          fqdnOf(other) === `${label}.${location}.azurecontainer.io`
        )
          return arm.error(
            400,
            'DnsNameLabelNotAvailable',
            `The DNS name label '${label}' in container group '${name}' not available. Try using a different label.`,
          );
    const g: Group = existing ?? {
      subscriptionId: req.subscriptionId,
      resourceGroup: arm.resourceGroup(req.subscriptionId, rgName)?.name ?? rgName,
      name,
      location,
      tags: {},
      properties,
      provisioningState: 'Pending',
      runtime: new GroupRuntime(ctx),
    };
    g.properties = properties;
    g.tags = (body.tags as Record<string, string> | undefined) ?? {};
    g.provisioningState = existing ? 'Updating' : 'Pending';
    groups.set(k, g);
    const op = arm.startOperation({
      namespace: NS,
      location,
      work: async () => {
        g.provisioningState = existing ? 'Updating' : 'Creating';
        await sleep(ctx.delays.provisionMs);
        await g.runtime.start(name, g.properties, fqdnOf(g));
        g.provisioningState = 'Succeeded';
      },
      onFail: () => {
        g.provisioningState = 'Failed';
      },
    });
    return { status: existing ? 200 : 201, body: view(g), headers: op.headers };
  }

  async function remove(k: string): Promise<Group | undefined> {
    const g = groups.get(k);
    if (!g) return undefined;
    groups.delete(k);
    await g.runtime.stop();
    return g;
  }

  return {
    namespace: NS,
    async handle(req) {
      const [type, name, sub1, sub2, sub3] = req.providerPath;
      if (type?.toLowerCase() !== 'containergroups') return undefined;
      const rgName = req.resourceGroup;
      if (rgName && !arm.resourceGroup(req.subscriptionId, rgName))
        return arm.error(404, 'ResourceGroupNotFound', `Resource group '${rgName}' could not be found.`);
      if (!name) {
        if (req.method !== 'GET')
          return arm.error(405, 'MethodNotAllowed', `${req.method} is not allowed here.`);
        const value = [...groups.values()]
          .filter((g) => g.subscriptionId === req.subscriptionId)
          .filter((g) => !rgName || g.resourceGroup.toLowerCase() === rgName.toLowerCase())
          .map(view);
        return { status: 200, body: { value } };
      }
      if (!rgName) return undefined;
      const k = key(req.subscriptionId, rgName, name);
      const g = groups.get(k);
      const notFound = () =>
        arm.error(
          404,
          'ResourceNotFound',
          `The Resource '${NS}/containerGroups/${name}' under resource group '${rgName}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
        );
      if (!sub1) {
        switch (req.method) {
          case 'PUT':
            return put(req, rgName, name);
          case 'GET':
            return g ? { status: 200, body: view(g) } : notFound();
          case 'PATCH': {
            if (!g) return notFound();
            const tags = (req.body as Obj | undefined)?.tags;
            if (tags && typeof tags === 'object') g.tags = tags as Record<string, string>;
            return { status: 200, body: view(g) };
          }
          case 'DELETE': {
            const removed = await remove(k);
            return removed ? { status: 200, body: view(removed) } : { status: 204 };
          }
          default:
            return arm.error(405, 'MethodNotAllowed', `${req.method} is not allowed on a container group.`);
        }
      }
      if (!g) return notFound();
      const action = sub1.toLowerCase();
      if (req.method === 'POST' && (action === 'restart' || action === 'start')) {
        const op = arm.startOperation({
          namespace: NS,
          location: g.location,
          work: () => g.runtime.start(g.name, g.properties, fqdnOf(g)),
        });
        return { status: action === 'start' ? 202 : 204, headers: op.headers };
      }
      if (req.method === 'POST' && action === 'stop') {
        await g.runtime.stop();
        return { status: 204 };
      }
      if (req.method === 'GET' && action === 'containers' && sub2 && sub3?.toLowerCase() === 'logs') {
        const tail = Number(req.url.searchParams.get('tail') ?? '') || undefined;
        const content = g.runtime.logs(sub2, tail);
        if (content === undefined)
          return arm.error(
            404,
            'ContainerNotFound',
            `The container '${sub2}' is not found in container group '${g.name}'.`,
          );
        return { status: 200, body: { content } };
      }
      return undefined;
    },
    async close() {
      for (const k of [...groups.keys()]) await remove(k);
    },
    async deleteResourceGroup(subscriptionId, resourceGroup) {
      for (const [k, g] of [...groups])
        if (
          g.subscriptionId === subscriptionId &&
          g.resourceGroup.toLowerCase() === resourceGroup.toLowerCase()
        )
          await remove(k);
    },
  };
}
