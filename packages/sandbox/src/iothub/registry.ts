import { randomBytes } from 'node:crypto';
import type { Predicate } from './query.ts';

/** How a simulated edge device answers a deployment. */
export type DeviceBehaviour = 'ok' | 'fail' | 'silent';

export interface EdgeAgentTwin {
  desired: Record<string, unknown>;
  reported: Record<string, unknown>;
  version: number;
}

export interface DeviceRecord {
  deviceId: string;
  generationId: string;
  etag: string;
  status: 'enabled' | 'disabled';
  iotEdge: boolean;
  tags: Record<string, unknown>;
  desired: Record<string, unknown>;
  reported: Record<string, unknown>;
  version: number;
  behaviour: DeviceBehaviour;
  /** Content set on the device itself (applyConfigurationContent), not by a deployment. */
  directContent?: Record<string, unknown>;
  /** Ids of the automatic deployments applied now (base first, then layers). */
  applied: string[];
  /** Fingerprint of the effective modules content the device was last given. */
  contentKey?: string;
  edgeAgent: EdgeAgentTwin;
  /** When the device will report on its current content (epoch ms); undefined: nothing pending. */
  reportAt?: number;
}

const etag = () => randomBytes(6).toString('base64');

/** Devices in memory, with an index of tag values so fleets of thousands are cheap to query. */
export class DeviceRegistry {
  readonly devices = new Map<string, DeviceRecord>();
  private readonly tagIndex = new Map<string, Map<string, Set<string>>>();

  create(
    deviceId: string,
    options: { tags?: Record<string, unknown>; iotEdge?: boolean; behaviour?: DeviceBehaviour } = {},
  ) {
    const d: DeviceRecord = {
      deviceId,
      generationId: String(Date.now()),
      etag: etag(),
      status: 'enabled',
      iotEdge: options.iotEdge ?? true,
      tags: {},
      desired: {},
      reported: {},
      version: 1,
      behaviour: options.behaviour ?? 'ok',
      applied: [],
      edgeAgent: { desired: {}, reported: {}, version: 1 },
    };
    this.devices.set(deviceId, d);
    this.setTags(d, options.tags ?? {});
    return d;
  }

  delete(deviceId: string): boolean {
    const d = this.devices.get(deviceId);
    if (!d) return false;
    this.unindex(d);
    this.devices.delete(deviceId);
    return true;
  }

  setTags(d: DeviceRecord, tags: Record<string, unknown>): void {
    this.unindex(d);
    d.tags = tags;
    for (const [k, v] of Object.entries(tags)) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const byValue = this.tagIndex.get(k) ?? new Map<string, Set<string>>();
      this.tagIndex.set(k, byValue);
      const ids = byValue.get(String(v)) ?? new Set<string>();
      byValue.set(String(v), ids);
      ids.add(d.deviceId);
    }
  }

  private unindex(d: DeviceRecord): void {
    for (const [k, v] of Object.entries(d.tags)) this.tagIndex.get(k)?.get(String(v))?.delete(d.deviceId);
  }

  touch(d: DeviceRecord): void {
    d.etag = etag();
    d.version++;
  }

  /** Devices matching `where`, narrowed first by the smallest tag-equality set when there is one. */
  select(where: Predicate, equalities: Array<{ path: string[]; value: unknown }>): DeviceRecord[] {
    let candidates: Iterable<DeviceRecord> = this.devices.values();
    let smallest: Set<string> | undefined;
    for (const eq of equalities) {
      if (eq.path.length !== 2 || eq.path[0] !== 'tags') continue;
      const ids = this.tagIndex.get(eq.path[1] as string)?.get(String(eq.value)) ?? new Set<string>();
      if (!smallest || ids.size < smallest.size) smallest = ids;
    }
    if (smallest) candidates = [...smallest].map((id) => this.devices.get(id) as DeviceRecord);
    const out: DeviceRecord[] = [];
    for (const d of candidates) if (where(twinView(d) as Record<string, unknown>)) out.push(d);
    return out;
  }
}

/** The device twin as the service API returns it. */
export function twinView(d: DeviceRecord, configurations?: Record<string, { status: string }>) {
  return {
    deviceId: d.deviceId,
    etag: d.etag,
    deviceEtag: d.etag,
    version: d.version,
    status: d.status,
    connectionState: 'Connected',
    authenticationType: 'sas',
    capabilities: { iotEdge: d.iotEdge },
    tags: d.tags,
    properties: {
      desired: { ...d.desired, $version: d.version },
      reported: { ...d.reported, $version: d.version },
    },
    ...(configurations ? { configurations } : {}),
  };
}

/** The `$edgeAgent` module twin. */
export function edgeAgentView(d: DeviceRecord, configurations: Record<string, { status: string }>) {
  return {
    deviceId: d.deviceId,
    moduleId: '$edgeAgent',
    etag: d.etag,
    version: d.edgeAgent.version,
    status: 'enabled',
    connectionState: 'Connected',
    tags: d.tags,
    configurations,
    properties: {
      desired: { ...d.edgeAgent.desired, $version: d.edgeAgent.version },
      reported: { ...d.edgeAgent.reported, $version: d.edgeAgent.version },
    },
  };
}

export function deviceView(d: DeviceRecord, keys: { primaryKey: string; secondaryKey: string }) {
  return {
    deviceId: d.deviceId,
    generationId: d.generationId,
    etag: d.etag,
    connectionState: 'Connected',
    status: d.status,
    statusReason: null,
    connectionStateUpdatedTime: new Date().toISOString(),
    statusUpdatedTime: new Date().toISOString(),
    lastActivityTime: new Date().toISOString(),
    cloudToDeviceMessageCount: 0,
    authentication: {
      type: 'sas',
      symmetricKey: keys,
      x509Thumbprint: { primaryThumbprint: null, secondaryThumbprint: null },
    },
    capabilities: { iotEdge: d.iotEdge },
  };
}
