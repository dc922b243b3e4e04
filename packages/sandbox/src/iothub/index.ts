import { createHmac, randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { withFaultsAndLog } from '../serve.ts';
import type { IotHubHandle, SandboxContext } from '../types.ts';
import { Deployments } from './deployments.ts';
import { type DeviceBehaviour, DeviceRegistry } from './registry.ts';
import { EdgeReporter } from './reporter.ts';
import type { AccessPolicy } from './sas.ts';
import { hubHandler } from './server.ts';

export type { DeviceBehaviour } from './registry.ts';
export { signSas } from './sas.ts';

/** Simulated edge devices the hub starts with. */
export interface FleetOptions {
  /** How many devices (`edge-00000`...), or the full description. */
  devices?:
    | number
    | { count: number; tags?(i: number): Record<string, unknown>; behaviour?(i: number): DeviceBehaviour };
  /** Every n-th device reports failure (e.g. 20: 5 %). */
  failEvery?: number;
  /** Every n-th device never reports. */
  silentEvery?: number;
}

export interface IotHubOptions {
  name: string;
  /** Host name suffix (default `azure-devices.sandbox.dove`). */
  hostSuffix?: string;
  fleet?: FleetOptions;
  devices?: FleetOptions['devices'];
}

/** Control over the simulated devices, for tests and the demo. */
export interface FleetControl {
  size(): number;
  add(deviceId: string, tags?: Record<string, unknown>, behaviour?: DeviceBehaviour): void;
  setBehaviour(deviceId: string, behaviour: DeviceBehaviour): void;
  setTags(deviceId: string, tags: Record<string, unknown>): void;
  /** Deployment ids applied to a device now (base first). */
  applied(deviceId: string): string[];
  /** Reports every device whose report is due now (tests that do not want to wait). */
  flush(): void;
}

export interface IotHub extends IotHubHandle {
  name: string;
  hostName: string;
  fleet: FleetControl;
  stop(): Promise<void>;
}

const defaultTags = (i: number) => ({
  role: 'iris-station',
  ring: i % 10 === 0 ? 'canary' : 'main',
  region: ['westeurope', 'northeurope', 'eastus'][i % 3],
});

/** An IoT Hub (service REST API 2021-04-12) with simulated edge devices, served over HTTPS. */
export async function createIotHub(ctx: SandboxContext, options: IotHubOptions): Promise<IotHub> {
  const hostName = `${options.name}.${options.hostSuffix ?? 'azure-devices.sandbox.dove'}`;
  const owner: AccessPolicy = { keyName: 'iothubowner', key: randomBytes(32).toString('base64') };
  const policies: AccessPolicy[] = [
    owner,
    { keyName: 'registryRead', key: randomBytes(32).toString('base64') },
    { keyName: 'service', key: randomBytes(32).toString('base64') },
  ];
  const registry = new DeviceRegistry();
  const reporter = new EdgeReporter(registry, () => ctx.delays.edgeReportMs);
  const deployments = new Deployments(registry, (d) => reporter.contentChanged(d));

  const spec = options.devices ?? options.fleet?.devices ?? 20;
  const fleet = typeof spec === 'number' ? { count: spec } : spec;
  for (let i = 0; i < fleet.count; i++) {
    const failEvery = options.fleet?.failEvery;
    const silentEvery = options.fleet?.silentEvery;
    const behaviour =
      fleet.behaviour?.(i) ??
      (silentEvery && i % silentEvery === silentEvery - 1
        ? 'silent'
        : failEvery && i % failEvery === failEvery - 1
          ? 'fail'
          : 'ok');
    registry.create(`edge-${String(i).padStart(5, '0')}`, {
      tags: (fleet.tags ?? defaultTags)(i),
      behaviour,
    });
  }

  const deviceKey = (id: string, which: string) =>
    createHmac('sha256', Buffer.from(owner.key, 'base64')).update(`${id}/${which}`).digest('base64');
  const { certPem, keyPem } = await ctx.ca.issue([hostName, ctx.host]);
  const handler = hubHandler({
    hostName,
    policies,
    registry,
    deployments,
    deviceKeys: (id) => ({ primaryKey: deviceKey(id, 'primary'), secondaryKey: deviceKey(id, 'secondary') }),
  });
  const server = createServer(
    { cert: certPem, key: keyPem },
    withFaultsAndLog(ctx, 'iothub', handler, (status) => ({
      Message: `ErrorCode:${status === 429 ? 'ThrottlingException' : 'ServerError'};Injected by the sandbox's fault rules (${status}).`,
    })),
  );
  await new Promise<void>((resolve) => server.listen(0, ctx.host, resolve));
  const port = (server.address() as AddressInfo).port;
  ctx.log(`iot hub ${hostName} on https://${ctx.host}:${port} (${registry.devices.size} devices)`);

  const device = (id: string) => {
    const d = registry.devices.get(id);
    if (!d) throw new Error(`No device ${id} in hub ${options.name}.`);
    return d;
  };
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    reporter.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    name: options.name,
    hostName,
    host: ctx.host,
    port,
    connectionString: `HostName=${hostName};SharedAccessKeyName=${owner.keyName};SharedAccessKey=${owner.key}`,
    fleet: {
      size: () => registry.devices.size,
      add(id, tags = {}, behaviour = 'ok') {
        registry.create(id, { tags, behaviour });
        deployments.reassign();
      },
      setBehaviour: (id, behaviour) => {
        device(id).behaviour = behaviour;
      },
      setTags(id, tags) {
        registry.setTags(device(id), tags);
        deployments.reassign();
      },
      applied: (id) => [...device(id).applied],
      flush: () => reporter.flush(),
    },
    close,
    stop: close,
  };
}
