import { expect, test } from 'vitest';
import { loadTargets } from './targets.ts';

test('every target kind is registered, or reported with the reason it is not (never faked)', async () => {
  const { registry, unavailable } = await loadTargets();
  for (const kind of ['aci', 'aks', 'edge', 'fpga']) {
    const plugin = registry.get(kind);
    const missing = unavailable.find((u) => u.kind === kind);
    expect(Boolean(plugin) !== Boolean(missing), kind).toBe(true);
    if (plugin) expect(plugin.name).toBe(`dove:${kind}`);
    else expect(missing?.reason).toMatch(/does not export|failed to load/);
  }
  for (const kind of ['aci', 'aks', 'edge']) expect(registry.get(kind), kind).toBeDefined();
});
