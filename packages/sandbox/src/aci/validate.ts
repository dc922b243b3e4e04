/**
 * What Azure Container Instances refuses before it creates anything. Codes and messages follow
 * the ones ACI returns; region maxima are the documented defaults for Linux groups without a VNet
 * (learn.microsoft.com "Resource availability by region": 4 CPU / 16 GB in most regions).
 */

export interface AciError {
  status: number;
  code: string;
  message: string;
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_LABEL = /^[a-z][a-z0-9-]{3,61}[a-z0-9]$/;

export const REGION_MAX = { cpu: 4, memoryInGB: 16 };

export function checkName(name: string): AciError | undefined {
  if (name.length > 63 || !NAME.test(name) || name.includes('--'))
    return {
      status: 400,
      code: 'ContainerGroupNameInvalid',
      message: `The container group name '${name}' is invalid. The container group name must contain no more than 63 characters and must match the regex '[a-z0-9]([-a-z0-9]*[a-z0-9])?' (e.g. 'my-name'), without consecutive hyphens.`,
    };
  return undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (message: string): AciError => ({ status: 400, code: 'InvalidRequestContent', message });

/** Checks a PUT body; returns the first problem, as Azure answers one at a time. */
export function checkGroupBody(name: string, body: unknown): AciError | undefined {
  if (!isObj(body)) return bad('The request content was invalid and could not be deserialized.');
  if (typeof body.location !== 'string' || !body.location)
    return {
      status: 400,
      code: 'LocationRequired',
      message: 'The location property is required for this definition.',
    };
  const p = body.properties;
  if (!isObj(p)) return bad("Required property 'properties' not found in JSON.");
  if (!Array.isArray(p.containers) || p.containers.length === 0)
    return bad(`The container group '${name}' must have at least one container ('properties.containers').`);
  if (p.osType !== 'Linux' && p.osType !== 'Windows')
    return bad(`Required property 'osType' (Linux or Windows) not found for container group '${name}'.`);
  let cpu = 0;
  let mem = 0;
  for (const [i, c] of (p.containers as unknown[]).entries()) {
    if (!isObj(c) || typeof c.name !== 'string' || !c.name)
      return bad(`Required property 'name' not found in 'properties.containers[${i}]'.`);
    const cp = c.properties;
    if (!isObj(cp) || typeof cp.image !== 'string' || !cp.image)
      return bad(`Required property 'image' not found in container '${c.name}'.`);
    const req = isObj(cp.resources) && isObj(cp.resources.requests) ? cp.resources.requests : undefined;
    if (!req || typeof req.cpu !== 'number' || typeof req.memoryInGB !== 'number')
      return bad(
        `Required property 'resources.requests' (cpu, memoryInGB) not found in container '${c.name}'.`,
      );
    if (req.cpu <= 0 || req.memoryInGB <= 0)
      return bad(
        `The resource requests of container '${c.name}' must be positive (cpu ${req.cpu}, memoryInGB ${req.memoryInGB}).`,
      );
    cpu += req.cpu;
    mem += req.memoryInGB;
  }
  if (cpu > REGION_MAX.cpu || mem > REGION_MAX.memoryInGB)
    return {
      status: 409,
      code: 'ServiceUnavailable',
      message: `The requested resource is not available in the location '${body.location}' at this moment. Please retry with a different resource request or in another location. Resource requested: '${cpu}' CPU '${mem}' GB memory '${p.osType}' OS`,
    };
  const ip = p.ipAddress;
  if (isObj(ip)) {
    const label = ip.dnsNameLabel;
    if (label !== undefined && (typeof label !== 'string' || !DNS_LABEL.test(label)))
      return {
        status: 400,
        code: 'InvalidDnsNameLabel',
        message: `The DNS name label '${String(label)}' in container group '${name}' is invalid. It can contain only lowercase letters, numbers and hyphens. The first character must be a letter. The last character must be a letter or number. The value must be between 5 and 63 characters long.`,
      };
    if (!Array.isArray(ip.ports) || ip.ports.length === 0)
      return bad(
        `Required property 'ports' not found in 'properties.ipAddress' of container group '${name}'.`,
      );
  }
  return undefined;
}

/**
 * What ACI cannot change in place: it answers that the group must be deleted and created again.
 * Returns the paths that differ.
 */
export function immutableChanges(before: Obj, after: Obj): string[] {
  const pb = before.properties as Obj;
  const pa = after.properties as Obj;
  const out: string[] = [];
  if (pb.osType !== pa.osType) out.push('osType');
  if ((pb.restartPolicy ?? 'Always') !== (pa.restartPolicy ?? 'Always')) out.push('restartPolicy');
  if (JSON.stringify(pb.subnetIds ?? []) !== JSON.stringify(pa.subnetIds ?? [])) out.push('subnetIds');
  const res = (p: Obj) =>
    JSON.stringify(
      (p.containers as Obj[]).map((c) => [c.name, ((c.properties as Obj).resources as Obj).requests]),
    );
  if (res(pb) !== res(pa)) out.push('containers[].resources');
  return out;
}

export function updateInvalid(name: string): AciError {
  return {
    status: 409,
    code: 'ContainerGroupUpdateInvalid',
    message: `The updates on container group '${name}' are invalid. If you are going to update the os type, restart policy, network profile, CPU, memory or GPU resources for a container group, you must delete it first and then create a new one.`,
  };
}
