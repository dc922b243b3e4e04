// The bundle carries every target, including the parts that read files or require() at run
// time (azure-iothub's HTTP layer for IoT Edge, target-fpga's .proto files for gRPC): deploy
// the example's edge fleet and its FPGA environment through dist/index.js.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { oidcInputs, REPO, repoRoot, runAction, startWorld, type World } from './harness.ts';

let world: World;
beforeAll(async () => {
  world = await startWorld({ subject: `repo:${REPO}:environment:prod` });
  // The whole example spec: dev (aci), prod (aks), edge-fleet (edge), fast (fpga).
  copyFileSync(join(repoRoot, 'examples/iris/dove.yaml'), join(world.workspace, 'full.yaml'));
}, 120_000);
afterAll(async () => world?.stop());

const deploy = (target: string) =>
  runAction(world, {
    event: 'workflow_dispatch',
    payload: {},
    inputs: { ...oidcInputs(world), target, spec: 'full.yaml', version: '1.1.0' },
  });

test('edge fleet: an IoT Edge deployment by twin tags, the hub connection string masked', async () => {
  const r = await deploy('edge-fleet');
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs).toMatchObject({ decision: 'succeeded', environment: 'edge-fleet', version: '1.1.0' });
  expect(JSON.parse(r.outputs.result as string)).toMatchObject({ kind: 'edge', plan: { action: 'create' } });
  expect(r.stdout).toMatch(/devices report success/);
  const hub = Object.values(world.sandbox.profile.sandbox.iotHubs)[0]?.connectionString as string;
  const key = /SharedAccessKey=([^;]+)/.exec(hub)?.[1] as string;
  const visible = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  expect(r.stdout).toContain(`::add-mask::${key}`);
  expect(visible.includes(key)).toBe(false);
  expect(r.summary.includes(key)).toBe(false);
});

test('fpga: deploys through the AKS cluster and verifies over gRPC with the shipped protos', async () => {
  const r = await deploy('fast');
  expect(r.code, r.stdout + r.stderr).toBe(0);
  expect(r.outputs).toMatchObject({ decision: 'succeeded', environment: 'fast', version: '1.1.0' });
  expect(JSON.parse(r.outputs.result as string)).toMatchObject({ kind: 'fpga', smoke: { ok: true } });
});
