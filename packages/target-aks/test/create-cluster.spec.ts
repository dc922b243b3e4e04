import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX_RESOURCE_GROUP, type Sandbox, startSandbox } from '@dove/sandbox';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createCluster, findCluster } from '../src/cluster.ts';
import { aks } from '../src/plugin.ts';
import { sandboxContext } from './context.ts';

let sb: Sandbox;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-aks-create-'));
  sb = await startSandbox({ stateDir: dir, storage: false, delays: { provisionMs: 20 } });
});
afterAll(async () => {
  await sb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const create = { location: 'westeurope', nodePool: { vmSize: 'Standard_DS2_v2', count: 1 } };

test('a missing cluster without create: plan refuses and says how to fix it', async () => {
  const ctx = sandboxContext(sb, { cluster: { resourceGroup: SANDBOX_RESOURCE_GROUP, name: 'nowhere' } });
  await expect(aks().plan(ctx)).rejects.toThrow(
    /cluster nowhere was not found in resource group dove-sandbox.*cluster\.create/s,
  );
});

test('create-cluster path: plan says so loudly, then the cluster is created through ARM', async () => {
  const ctx = sandboxContext(sb, {
    cluster: { resourceGroup: SANDBOX_RESOURCE_GROUP, name: 'made-by-dove', create },
  });
  const plan = await aks().plan(ctx);
  expect(plan.action).toBe('create');
  expect(plan.warnings.join('\n')).toMatch(
    /CREATES AN AKS CLUSTER: made-by-dove in westeurope with 1 x Standard_DS2_v2/,
  );
  expect(plan.changes[0]).toEqual({ path: 'managedClusters/made-by-dove', kind: 'add' });
  expect(plan.desired.createCluster).toBe(true);
  // plan only read
  expect(ctx.requests.snapshot().writes).toBe(0);

  const made = await createCluster(ctx);
  expect(made.provisioningState).toBe('Succeeded');
  expect((await findCluster(ctx))?.agentPoolProfiles?.[0]?.vmSize).toBe('Standard_DS2_v2');
  expect(ctx.requests.snapshot().byApi.arm?.writes).toBeGreaterThanOrEqual(1);
});

test('a node pool size Azure does not sell there fails with its reason', async () => {
  const ctx = sandboxContext(sb, {
    cluster: {
      resourceGroup: SANDBOX_RESOURCE_GROUP,
      name: 'fpga-north',
      create: { location: 'northeurope', nodePool: { vmSize: 'Standard_PB6s', count: 1 } },
    },
  });
  await expect(createCluster(ctx)).rejects.toThrow(/Standard_PB6s is not allowed in location 'northeurope'/);
});
