import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { Change } from '@dove/deploy-core';

const plainEnv = (g: ContainerGroup) =>
  Object.fromEntries(
    (g.containers[0]?.environmentVariables ?? [])
      .filter((e) => e.value !== undefined)
      .map((e) => [e.name, e.value]),
  );
const secureNames = (g: ContainerGroup) =>
  (g.containers[0]?.environmentVariables ?? [])
    .filter((e) => e.value === undefined)
    .map((e) => e.name)
    .sort();

/** What differs between the live group and the desired one; `replace` where ACI cannot update in place. */
export function diffGroups(live: ContainerGroup, desired: ContainerGroup): Change[] {
  const changes: Change[] = [];
  const cmp = (path: string, before: unknown, after: unknown, replace = false) => {
    if (JSON.stringify(before ?? null) !== JSON.stringify(after ?? null))
      changes.push({ path, kind: 'change', before, after, ...(replace ? { replace } : {}) });
  };
  const l = live.containers[0];
  const d = desired.containers[0];
  cmp('containers[0].image', l?.image, d?.image);
  cmp('containers[0].resources.cpu', l?.resources.requests.cpu, d?.resources.requests.cpu, true);
  cmp(
    'containers[0].resources.memoryInGB',
    l?.resources.requests.memoryInGB,
    d?.resources.requests.memoryInGB,
    true,
  );
  cmp('containers[0].resources.gpu', l?.resources.requests.gpu, d?.resources.requests.gpu, true);
  cmp(
    'containers[0].ports',
    l?.ports?.map((p) => p.port),
    d?.ports?.map((p) => p.port),
  );
  cmp('osType', live.osType, desired.osType, true);
  cmp('restartPolicy', live.restartPolicy ?? 'Always', desired.restartPolicy ?? 'Always', true);
  cmp(
    'subnetIds',
    live.subnetIds?.map((s) => s.id),
    desired.subnetIds?.map((s) => s.id),
    true,
  );
  cmp('ipAddress.dnsNameLabel', live.ipAddress?.dnsNameLabel, desired.ipAddress?.dnsNameLabel);
  const le = plainEnv(live);
  const de = plainEnv(desired);
  for (const k of new Set([...Object.keys(le), ...Object.keys(de)]))
    if (le[k] !== de[k])
      changes.push({
        path: `env.${k}`,
        kind: le[k] === undefined ? 'add' : de[k] === undefined ? 'remove' : 'change',
        before: le[k],
        after: de[k],
      });
  // Secure values cannot be compared (never read back): they are always sent again.
  cmp('secureEnv (names)', secureNames(live), secureNames(desired));
  const userTags = (g: ContainerGroup) =>
    Object.fromEntries(Object.entries(g.tags ?? {}).filter(([k]) => !k.startsWith('dove-')));
  cmp('tags', userTags(live), userTags(desired));
  return changes;
}
