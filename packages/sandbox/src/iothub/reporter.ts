import { ModelPulls, type PullResult } from './model-pull.ts';
import type { DeviceRecord, DeviceRegistry } from './registry.ts';

type Modules = Record<string, { settings?: { image?: string }; env?: Record<string, { value?: unknown }> }>;

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
  private readonly pulls = new ModelPulls();

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
      // Modules that read a model from the store download it first; the device reports once
      // the download (shared by the fleet) is done.
      const pulls = this.modelPulls(d);
      if (pulls === undefined) continue;
      this.pending.delete(id);
      d.reportAt = undefined;
      report(d, pulls);
    }
  }

  /** Each module's model download result; undefined while one is still running. */
  private modelPulls(d: DeviceRecord): Record<string, PullResult> | undefined {
    if (d.behaviour === 'silent') return {};
    const out: Record<string, PullResult> = {};
    for (const [name, m] of Object.entries((d.edgeAgent.desired.modules ?? {}) as Modules)) {
      const uri = m.env?.DOVE_MODEL_URI?.value;
      if (typeof uri !== 'string' || !uri) continue;
      const sas = m.env?.DOVE_MODEL_SAS?.value;
      const r = this.pulls.result(uri, typeof sas === 'string' ? sas : undefined, () => this.schedule());
      if (!r) return undefined;
      out[name] = r;
    }
    return out;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

function report(d: DeviceRecord, pulls: Record<string, PullResult>): void {
  if (d.behaviour === 'silent') return;
  const modules = (d.edgeAgent.desired.modules ?? {}) as Modules;
  const pullFailed = Object.values(pulls).some((r) => !r.ok);
  const failed = d.behaviour === 'fail' || pullFailed;
  const moduleStatus: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(modules)) {
    const pull = pulls[name];
    const broken = d.behaviour === 'fail' || (pull !== undefined && !pull.ok);
    moduleStatus[name] = broken
      ? {
          runtimeStatus: 'backoff',
          exitCode: 1,
          statusDescription:
            pull && !pull.ok
              ? `refusing to serve: ${pull.message}`
              : `Failed to start ${m.settings?.image ?? name}`,
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
