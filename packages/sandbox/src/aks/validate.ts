import { LOCATIONS, normaliseLocation, vmSizeProblem } from './vm-sizes.ts';

/** A refusal in Azure's words: HTTP status, error code, message. */
export interface Refusal {
  status: number;
  code: string;
  message: string;
}

const CLUSTER_NAME = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;
const POOL_NAME = /^[a-z][a-z0-9]{0,11}$/;
const DNS_PREFIX = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-a-zA-Z0-9]{0,52}[a-zA-Z0-9]$/;

const bad = (code: string, message: string): Refusal => ({ status: 400, code, message });

export function clusterNameProblem(name: string): Refusal | undefined {
  if (CLUSTER_NAME.test(name)) return undefined;
  return bad(
    'InvalidResourceName',
    `Resource name '${name}' is invalid. The name can contain only letters, numbers, underscores and hyphens, must start and end with a letter or number, and be 1 to 63 characters long.`,
  );
}

export function poolNameProblem(name: unknown, where: string): Refusal | undefined {
  if (typeof name === 'string' && POOL_NAME.test(name)) return undefined;
  return bad(
    'InvalidParameter',
    `The value of parameter ${where}.name is invalid: '${String(name)}'. Agent pool names must start with a lowercase letter, contain only lowercase letters and numbers, and be 1 to 12 characters long.`,
  );
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks an agent pool's properties (from a cluster profile or an agentPools PUT). */
export function poolProblem(pool: Json, where: string, location: string): Refusal | undefined {
  const vmSize = pool.vmSize;
  if (typeof vmSize !== 'string' || vmSize === '') {
    return bad('InvalidParameter', `The value of parameter ${where}.vmSize is required.`);
  }
  const sizeProblem = vmSizeProblem(vmSize, location);
  if (sizeProblem) return bad('VMSizeNotSupported', `${where}: ${sizeProblem}`);
  const count = pool.count ?? 1;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > 1000) {
    return bad(
      'InvalidParameter',
      `The value of parameter ${where}.count is invalid: it must be an integer from 0 to 1000.`,
    );
  }
  if (pool.mode !== undefined && pool.mode !== 'System' && pool.mode !== 'User' && pool.mode !== 'Gateway') {
    return bad(
      'InvalidParameter',
      `The value of parameter ${where}.mode is invalid: '${String(pool.mode)}'. Expected System or User.`,
    );
  }
  if (pool.mode === 'System' && count < 1) {
    return bad('InvalidParameter', `System agent pool ${where} must have at least one node.`);
  }
  if (pool.enableAutoScaling === true) {
    const { minCount, maxCount } = pool;
    if (typeof minCount !== 'number' || typeof maxCount !== 'number') {
      return bad(
        'InvalidParameter',
        `${where}: minCount and maxCount are required when enableAutoScaling is true.`,
      );
    }
    if (minCount > maxCount) {
      return bad(
        'InvalidParameter',
        `${where}: minCount (${minCount}) must be less than or equal to maxCount (${maxCount}).`,
      );
    }
    if (typeof count === 'number' && (count < minCount || count > maxCount)) {
      return bad(
        'InvalidParameter',
        `${where}: count (${count}) must be between minCount (${minCount}) and maxCount (${maxCount}).`,
      );
    }
  } else if (typeof pool.minCount === 'number' || typeof pool.maxCount === 'number') {
    return bad(
      'InvalidParameter',
      `${where}: minCount and maxCount may only be set when enableAutoScaling is true.`,
    );
  }
  if (pool.nodeLabels !== undefined && !isObject(pool.nodeLabels)) {
    return bad('InvalidParameter', `${where}.nodeLabels must be an object of strings.`);
  }
  if (pool.nodeTaints !== undefined) {
    const taints = pool.nodeTaints;
    if (
      !Array.isArray(taints) ||
      taints.some(
        (t) =>
          typeof t !== 'string' || !/^[^=:\s]+(=[^:\s]*)?:(NoSchedule|PreferNoSchedule|NoExecute)$/.test(t),
      )
    ) {
      return bad('InvalidParameter', `${where}.nodeTaints must be strings like 'key=value:NoSchedule'.`);
    }
  }
  return undefined;
}

/** Checks a managed cluster PUT body the way AKS does for the fields Dove sends. */
export function clusterProblem(body: unknown): Refusal | undefined {
  if (!isObject(body))
    return bad('InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
  const location = body.location;
  if (typeof location !== 'string' || location.trim() === '') {
    return bad('LocationRequired', 'The location property is required for this definition.');
  }
  if (!LOCATIONS.includes(normaliseLocation(location))) {
    return bad(
      'LocationNotAvailableForResourceType',
      `The provided location '${location}' is not available for resource type 'Microsoft.ContainerService/managedClusters'. List of available regions for the resource type is '${LOCATIONS.join(',')}'.`,
    );
  }
  const props = body.properties;
  if (!isObject(props)) return bad('InvalidParameter', 'The value of parameter properties is required.');
  const hasPrefix = typeof props.dnsPrefix === 'string' && props.dnsPrefix !== '';
  const hasSubdomain = typeof props.fqdnSubdomain === 'string' && props.fqdnSubdomain !== '';
  if (!hasPrefix && !hasSubdomain) {
    return bad(
      'InvalidParameter',
      'One of properties.dnsPrefix or properties.fqdnSubdomain must be specified.',
    );
  }
  if (hasPrefix && hasSubdomain) {
    return bad(
      'InvalidParameter',
      'Only one of properties.dnsPrefix and properties.fqdnSubdomain can be specified.',
    );
  }
  if (hasPrefix && !DNS_PREFIX.test(props.dnsPrefix as string)) {
    return bad(
      'InvalidDnsPrefix',
      `The value of parameter properties.dnsPrefix is invalid: '${String(props.dnsPrefix)}'. It must contain 1 to 54 letters, numbers and hyphens, and start and end with a letter or number.`,
    );
  }
  const pools = props.agentPoolProfiles;
  if (!Array.isArray(pools) || pools.length === 0) {
    return bad('MustDefineAtLeastOneSystemPool', 'Must define at least one system pool.');
  }
  const seen = new Set<string>();
  for (const [i, pool] of pools.entries()) {
    const where = `properties.agentPoolProfiles[${i}]`;
    if (!isObject(pool)) return bad('InvalidParameter', `${where} must be an object.`);
    const nameProblem = poolNameProblem(pool.name, where);
    if (nameProblem) return nameProblem;
    if (seen.has(pool.name as string)) {
      return bad('InvalidParameter', `Agent pool name '${String(pool.name)}' is used more than once.`);
    }
    seen.add(pool.name as string);
    const problem = poolProblem(pool, where, location);
    if (problem) return problem;
  }
  // AKS makes the first pool without a mode the System pool when none is named.
  if (!pools.some((p) => isObject(p) && (p.mode === 'System' || p.mode === undefined))) {
    return bad('MustDefineAtLeastOneSystemPool', 'Must define at least one system pool.');
  }
  return undefined;
}
