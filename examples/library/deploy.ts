// Dove as a library: load a spec, upload its model to the model store, deploy one environment
// and print the result. Against a fresh local sandbox by default:
//
//   node --conditions=@dove/source examples/library/deploy.ts [environment] [spec file]
//
// (environment defaults to `dev`, the spec to examples/iris/dove.yaml). Set
// DOVE_CLOUD_PROFILE=<profile.json> to use an existing cloud profile instead of starting a
// sandbox; the model store then needs DOVE_STORAGE_ACCOUNT.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type CloudProfile,
  createCredential,
  createRegistry,
  type DeployEvent,
  deploy,
  loadCloudProfile,
  loadSpec,
} from '@dove/deploy-core';
import {
  createModelDelivery,
  DEFAULT_CONTAINER,
  locationFromCloud,
  modelStoreHook,
  uploadModel,
} from '@dove/model-store';
import { startSandbox } from '@dove/sandbox';
import { aci } from '@dove/target-aci';
import { aks } from '@dove/target-aks';
import { edge } from '@dove/target-edge';
import { fpga } from '@dove/target-fpga';

const here = dirname(fileURLToPath(import.meta.url));
const environment = process.argv[2] ?? 'dev';
const specFile = resolve(process.argv[3] ?? join(here, '..', 'iris', 'dove.yaml'));

// 1. A cloud: an existing profile, or a local sandbox (Azure APIs, Kubernetes, IoT Hub and a
//    storage account, all on loopback).
const stateDir = process.env.DOVE_CLOUD_PROFILE ? undefined : await mkdtemp(join(tmpdir(), 'dove-library-'));
const sandbox = stateDir ? await startSandbox({ stateDir, preset: 'test' }) : undefined;
const controller = new AbortController();
process.once('SIGINT', () => controller.abort(new Error('canceled (Ctrl-C)')));
try {
  const cloud: CloudProfile = sandbox
    ? (sandbox.profile as CloudProfile)
    : await loadCloudProfile(process.env.DOVE_CLOUD_PROFILE as string);
  const credential = createCredential(cloud);
  const registry = createRegistry([aci(), aks(), edge(), fpga()]);

  // 2. The spec, with the Azure ids it refers to filled from the cloud.
  const s = cloud.sandbox;
  const variables: Record<string, string> = {
    ...(process.env as Record<string, string>),
    ...(s
      ? {
          AZURE_SUBSCRIPTION_ID: s.subscriptionId,
          AZURE_TENANT_ID: s.tenantId,
          AZURE_RESOURCE_GROUP: s.resourceGroups[0] ?? 'dove-sandbox',
          AZURE_LOCATION: s.location,
        }
      : {}),
  };
  const spec = await loadSpec({ file: specFile, variables, registry });
  console.log(
    `spec ${specFile}: model ${spec.model.name} ${spec.model.version}, environments ${Object.keys(spec.targets).join(', ')}`,
  );

  // 3. The model, uploaded to the store (an unchanged model sends 0 bytes).
  const store = locationFromCloud(cloud, {
    container: DEFAULT_CONTAINER,
    credential,
    ...(process.env.DOVE_STORAGE_ACCOUNT ? { accountName: process.env.DOVE_STORAGE_ACCOUNT } : {}),
  });
  if (!spec.model.path)
    throw new Error(`${specFile}: model.path is not set; this example uploads a model from the repo`);
  const uploaded = await uploadModel({
    store,
    model: {
      name: spec.model.name,
      version: spec.model.version,
      path: resolve(dirname(specFile), spec.model.path),
    },
    specHash: 'library-example',
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'uploading')
        process.stdout.write(
          `\r  uploading ${p.file} ${p.bytesUploaded + p.bytesReused}/${p.totalBytes} bytes`,
        );
    },
  });
  console.log(
    `\nmodel ${uploaded.name} ${uploaded.version}: ${uploaded.status}, ${uploaded.bytesUploaded} bytes uploaded, ${uploaded.manifest.files.length} file(s)`,
  );
  const delivery = await createModelDelivery({
    store,
    name: uploaded.name,
    version: uploaded.version,
    expiresInMinutes: 60,
  });
  console.log(`model URI ${delivery.uri} (read-only SAS until ${delivery.expiresOn})`);

  // 4. Deploy: the orchestrator calls the model-store hook, so the target hands the scoring
  //    container DOVE_MODEL_URI and DOVE_MODEL_SAS (as a secret) and it downloads its model.
  const result = await deploy({
    spec,
    environment,
    registry,
    cloud,
    credential,
    signal: controller.signal,
    modelDelivery: modelStoreHook({ store, expiresInMinutes: 60 }),
    onEvent: (event: DeployEvent) => {
      if (event.type === 'step' && event.status !== 'started')
        console.log(
          `  ${event.step} ${event.status}${event.elapsedMs !== undefined ? ` (${event.elapsedMs} ms)` : ''}`,
        );
      else if (event.type === 'progress') console.log(`  ${event.step}: ${event.message}`);
    },
  });

  // 5. The result.
  console.log(`\n${result.outcome}: ${result.environment} (${result.kind}) version ${result.version}`);
  if (result.endpoint) console.log(`scoring URI ${result.endpoint.scoringUri}`);
  if (result.smoke)
    console.log(
      `smoke test ${result.smoke.ok ? 'passed' : 'failed'}: HTTP ${result.smoke.status} ${result.smoke.body ?? ''}`,
    );
  if (result.error)
    console.log(
      `error ${result.error.code}: ${result.error.message}${result.error.hint ? `\n  ${result.error.hint}` : ''}`,
    );
  console.log(`requests: ${result.requests.reads} reads, ${result.requests.writes} writes`);
  process.exitCode = result.outcome === 'succeeded' || result.outcome === 'noop' ? 0 : 1;
} finally {
  await sandbox?.stop();
  if (stateDir) await rm(stateDir, { recursive: true, force: true });
}
