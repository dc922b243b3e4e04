import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startAzurite } from '@dove/testkit';
import { FaultRegistry } from './arm/faults.ts';
import { checkFederatedCredential, type FederatedCredential } from './arm/federated.ts';
import { startArmServer } from './arm/server.ts';
import { controlHandler } from './control.ts';
import { checkDelays, DELAY_PRESETS } from './delays.ts';
import { defaultImages, type ImageMap } from './images/image-map.ts';
import { createImageRunner } from './images/runner.ts';
import { createLoopbackNetwork } from './net/loopback.ts';
import type { SandboxCloudProfile } from './profile.ts';
import { loadOrCreateCa } from './tls.ts';
import type {
  ArmProvider,
  ArmProviderFactory,
  ClusterSeeder,
  Delays,
  FaultRule,
  IotHubHandle,
  RequestRecord,
  SandboxNetworkContext,
} from './types.ts';

export interface SandboxOptions {
  /** Where the CA, profile.json, hosts file and kubeconfigs go. */
  stateDir: string;
  preset?: 'test' | 'demo';
  delays?: Partial<Delays>;
  /** Extra image patterns (win over the defaults). */
  images?: ImageMap;
  /** Address the servers bind (default 127.0.0.1). */
  host?: string;
  /** Start Azurite as the sandbox's storage account (default true). */
  storage?: boolean;
  /** Fixed ARM port (default: a free one). */
  port?: number;
  /**
   * Simulated edge devices for the IoT hub `dove-hub`; passed as is to `createIotHub`
   * (see `src/iothub/`), e.g. `{ devices: 10000 }`.
   */
  fleet?: Record<string, unknown>;
  /** Where sandbox diagnostics go (default: nowhere). */
  log?(line: string): void;
  /**
   * Federated identity credentials of the sandbox's app (e.g. a GitHub Actions workflow's
   * issuer and subject): assertions from them are checked like Entra ID does, signature included.
   */
  federatedCredentials?: FederatedCredential[];
  /** Lifetime of the access tokens the token endpoint issues (default 3600 s). */
  tokenLifetimeSeconds?: number;
}

export interface Sandbox {
  profile: SandboxCloudProfile;
  profilePath: string;
  requests(): RequestRecord[];
  resetRequests(): void;
  faults: { add(rule: FaultRule): void; clear(): void };
  setDelays(d: Partial<Delays>): Delays;
  /** The app's federated identity credentials (also `/_sandbox/federated-credentials`). */
  federatedCredentials: {
    add(fc: FederatedCredential): void;
    list(): FederatedCredential[];
    clear(): void;
  };
  ctx: SandboxNetworkContext;
  stop(): Promise<void>;
}

export const SANDBOX_RESOURCE_GROUP = 'dove-sandbox';
export const SANDBOX_LOCATION = 'westeurope';
export const SANDBOX_CLUSTER = 'dove-aks';
export const SANDBOX_HUB = 'dove-hub';

const here = dirname(fileURLToPath(import.meta.url));

/** Parts of the sandbox built in their own folders; a part not there yet is skipped. */
async function optionalExport<T>(folder: string, name: string): Promise<T | undefined> {
  const file = join(here, folder, 'index.ts');
  if (!existsSync(file)) return undefined;
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  return mod[name] as T | undefined;
}

/** Stable ids across restarts of the same state dir, so saved profiles stay valid. */
function loadIdentity(stateDir: string) {
  const file = join(stateDir, 'identity.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ReturnType<typeof newIdentity>;
  const id = newIdentity();
  writeFileSync(file, JSON.stringify(id, null, 2), { mode: 0o600 });
  return id;
}
const newIdentity = () => ({
  tenantId: randomUUID(),
  subscriptionId: randomUUID(),
  clientId: randomUUID(),
  clientSecret: randomBytes(24).toString('base64url'),
  signingKey: randomBytes(32).toString('base64'),
});

export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const stateDir = resolve(options.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const delays: Delays = {
    ...DELAY_PRESETS[options.preset ?? 'test'],
    ...checkDelays(options.delays ?? {}, 'startSandbox({ delays })'),
  };
  const ca = await loadOrCreateCa(stateDir);
  const id = loadIdentity(stateDir);
  const faults = new FaultRegistry();
  const federated: FederatedCredential[] = (options.federatedCredentials ?? []).map((fc, i) =>
    checkFederatedCredential(fc, `startSandbox({ federatedCredentials[${i}] })`),
  );
  const federatedCredentials = {
    add: (fc: FederatedCredential) => {
      federated.push(checkFederatedCredential(fc, 'federated credential'));
    },
    list: () => federated.map((fc) => ({ ...fc })),
    clear: () => {
      federated.length = 0;
    },
  };
  let records: RequestRecord[] = [];
  const images = createImageRunner({ images: { ...defaultImages, ...options.images }, log });
  const hostsFile = join(stateDir, 'hosts');
  const ctx: SandboxNetworkContext = {
    host,
    stateDir,
    ca,
    delays,
    images,
    faultFor: (api, req) => faults.faultFor(api, req),
    record: (rec) => {
      records.push(rec);
    },
    log,
    network: createLoopbackNetwork({ hostsFile }),
  };
  const setDelays = (d: Partial<Delays>) => Object.assign(delays, checkDelays(d, 'setDelays')) as Delays;

  const closers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const close of closers.reverse())
      await close().catch((err: unknown) => log(`stop: ${(err as Error).message}`));
    closers.length = 0;
  };
  closers.push(() => images.stopAll());
  try {
    const arm = await startArmServer({
      ctx,
      tenantId: id.tenantId,
      subscriptionId: id.subscriptionId,
      clientId: id.clientId,
      clientSecret: id.clientSecret,
      signingKey: Buffer.from(id.signingKey, 'base64'),
      ...(options.port ? { port: options.port } : {}),
      federatedCredentials: federated,
      ...(options.tokenLifetimeSeconds ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds } : {}),
      control: controlHandler({
        federatedCredentials,
        clientSecret: id.clientSecret,
        faults,
        setDelays,
        requests: () => [...records],
        resetRequests: () => {
          records = [];
        },
      }),
    });
    closers.push(() => arm.close());
    arm.resourceGroups.put(id.subscriptionId, { name: SANDBOX_RESOURCE_GROUP, location: SANDBOX_LOCATION });

    const providers: ArmProvider[] = [];
    for (const [folder, name] of [
      ['aci', 'createAciProvider'],
      ['aks', 'createAksProvider'],
    ] as const) {
      const factory = await optionalExport<ArmProviderFactory>(folder, name);
      if (!factory) {
        log(`${name} is not available; ${folder} requests answer NoRegisteredProviderFound`);
        continue;
      }
      const provider = factory(ctx, arm.host);
      arm.addProvider(provider);
      providers.push(provider);
    }

    const kubeconfigs: Record<string, string> = {};
    const seeder = providers.find((p): p is ArmProvider & ClusterSeeder => 'seedCluster' in p);
    if (seeder) {
      const { kubeconfig } = await seeder.seedCluster({
        subscriptionId: id.subscriptionId,
        resourceGroup: SANDBOX_RESOURCE_GROUP,
        name: SANDBOX_CLUSTER,
        location: SANDBOX_LOCATION,
      });
      const file = join(stateDir, `kubeconfig-${SANDBOX_CLUSTER}.yaml`);
      writeFileSync(file, kubeconfig, { mode: 0o600 });
      kubeconfigs[SANDBOX_CLUSTER] = file;
    }

    const iotHubs: Record<string, { connectionString: string; host: string; port: number }> = {};
    const createIotHub = await optionalExport<
      (c: SandboxNetworkContext, o: { name: string }) => Promise<IotHubHandle>
    >('iothub', 'createIotHub');
    if (createIotHub) {
      const hub = await createIotHub(ctx, {
        name: SANDBOX_HUB,
        ...(options.fleet ? { fleet: options.fleet } : {}),
      });
      closers.push(() => hub.close());
      iotHubs[SANDBOX_HUB] = { connectionString: hub.connectionString, host: hub.host, port: hub.port };
    }

    let storage: { accountName: string; connectionString: string; blobEndpoint: string } | undefined;
    if (options.storage !== false) {
      const azurite = await startAzurite();
      // Azurite ignores SIGTERM; if this process dies without stop(), do not leave it running.
      const onExit = () => {
        try {
          process.kill(azurite.pid, 'SIGKILL');
        } catch {}
      };
      process.on('exit', onExit);
      closers.push(async () => {
        process.off('exit', onExit);
        await azurite.stop();
      });
      storage = {
        accountName: azurite.accountName,
        connectionString: azurite.connectionString,
        blobEndpoint: azurite.blobEndpoint,
      };
    }

    const profilePath = join(stateDir, 'profile.json');
    const profile: SandboxCloudProfile = {
      name: 'sandbox',
      armEndpoint: arm.baseUrl,
      armScope: `${arm.baseUrl}/.default`,
      authorityHost: arm.baseUrl,
      iotHubHostSuffix: 'azure-devices.sandbox.dove',
      storageEndpointSuffix: 'core.sandbox.dove',
      caCert: ca.certPem,
      caCertPath: join(stateDir, 'ca.pem'),
      hostsFile,
      sandbox: {
        stateDir,
        pid: process.pid,
        tenantId: id.tenantId,
        subscriptionId: id.subscriptionId,
        clientId: id.clientId,
        clientSecret: id.clientSecret,
        resourceGroups: [SANDBOX_RESOURCE_GROUP],
        location: SANDBOX_LOCATION,
        iotHubs,
        kubeconfigs,
        ...(storage ? { storage } : {}),
        controlUrl: `${arm.baseUrl}/_sandbox`,
      },
    };
    writeFileSync(profilePath, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });

    let stopping: Promise<void> | undefined;
    return {
      profile,
      profilePath,
      requests: () => [...records],
      resetRequests: () => {
        records = [];
      },
      faults: { add: (r) => faults.add(r), clear: () => faults.clear() },
      setDelays,
      federatedCredentials,
      ctx,
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
