import type { DeviceRecord, DeviceRegistry } from './registry.ts';

/**
 * Plays the edge devices' side: some time after a device gets new content, its `$edgeAgent`
 * reports the outcome (modules running, or a failure; silent devices never report). One timer
 * serves the whole fleet so ten thousand devices cost no more than a sorted queue.
 */
export class EdgeReporter {
  private readonly registry: DeviceRegistry;
  private readonly delayMs: () => number;
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(registry: DeviceRegistry, delayMs: () => number) {
    this.registry = registry;
    this.delayMs = delayMs;
  }

  contentChanged(d: DeviceRecord): void {
    const base = this.delayMs();
    // Jitter: devices in a fleet do not all answer at the same moment.
    d.reportAt = Date.now() + Math.round(base * (0.5 + Math.random()));
    this.pending.add(d.deviceId);
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.stopped || this.pending.size === 0) return;
    const tick = Math.max(10, Math.min(250, Math.round(this.delayMs() / 4)));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
      this.schedule();
    }, tick);
    this.timer.unref();
  }

  /** Reports every device whose time has come. */
  flush(now = Date.now()): void {
    for (const id of this.pending) {
      const d = this.registry.devices.get(id);
      if (!d) {
        this.pending.delete(id);
        continue;
      }
      if ((d.reportAt ?? 0) > now) continue;
      this.pending.delete(id);
      d.reportAt = undefined;
      report(d);
    }
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

function report(d: DeviceRecord): void {
  if (d.behaviour === 'silent') return;
  const modules = (d.edgeAgent.desired.modules ?? {}) as Record<string, { settings?: { image?: string } }>;
  const failed = d.behaviour === 'fail';
  const moduleStatus: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(modules)) {
    moduleStatus[name] = failed
      ? {
          runtimeStatus: 'backoff',
          exitCode: 1,
          statusDescription: `Failed to start ${m.settings?.image ?? name}`,
          restartCount: 3,
        }
      : {
          runtimeStatus: 'running',
          exitCode: 0,
          restartCount: 0,
          lastStartTimeUtc: new Date().toISOString(),
        };
  }
  d.edgeAgent.reported = {
    schemaVersion: '1.1',
    version: { version: '1.4.0' },
    lastDesiredVersion: d.edgeAgent.version,
    lastDesiredStatus: failed
      ? { code: 417, description: 'The device could not apply the deployment: a module failed to start.' }
      : { code: 200, description: '' },
    runtime: { type: 'docker', platform: { os: 'linux', architecture: 'x86_64' } },
    systemModules: {
      edgeAgent: { runtimeStatus: 'running', exitCode: 0 },
      edgeHub: { runtimeStatus: 'running', exitCode: 0 },
    },
    modules: moduleStatus,
  };
}
