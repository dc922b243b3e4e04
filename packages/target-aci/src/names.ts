import { createHash } from 'node:crypto';

/** A container group name from model and environment, inside Azure's rules (1-63, [a-z0-9-], no '--'). */
export function deriveGroupName(model: string, environment: string): string {
  const raw = `${model}-${environment}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  if (raw.length <= 63) return raw || 'dove';
  const h = createHash('sha256').update(raw).digest('hex').slice(0, 6);
  return `${raw.slice(0, 56).replace(/-$/, '')}-${h}`;
}

/**
 * A DNS label unique per subscription and group: DNS labels are global per region, so the
 * group name alone would collide between users; a short hash of subscription + resource group
 * keeps it stable across deploys.
 */
export function deriveDnsLabel(groupName: string, subscription: string, resourceGroup: string): string {
  const h = createHash('sha256')
    .update(`${subscription}/${resourceGroup.toLowerCase()}`)
    .digest('hex')
    .slice(0, 6);
  let base = groupName.slice(0, 63 - 7).replace(/-$/, '');
  if (!/^[a-z]/.test(base)) base = `d${base}`.slice(0, 56);
  return `${base}-${h}`;
}
