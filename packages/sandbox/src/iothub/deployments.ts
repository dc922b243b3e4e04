import { createHash, randomBytes } from 'node:crypto';
import { type Predicate, parseCondition, parseQuery } from './query.ts';
import { type DeviceRecord, type DeviceRegistry, edgeAgentView } from './registry.ts';

/** An IoT Hub configuration (automatic or layered edge deployment) as the service API shows it. */
export interface Configuration {
  id: string;
  schemaVersion: string;
  labels: Record<string, string>;
  content: {
    modulesContent?: Record<string, Record<string, unknown>>;
    deviceContent?: Record<string, unknown>;
  };
  targetCondition: string;
  priority: number;
  createdTimeUtc: string;
  lastUpdatedTimeUtc: string;
  etag: string;
  metrics: { queries: Record<string, string>; results: Record<string, number> };
  systemMetrics: { queries: Record<string, string>; results: Record<string, number> };
}

interface Stored {
  cfg: Configuration;
  layered: boolean;
  where: Predicate;
  equalities: Array<{ path: string[]; value: unknown }>;
}

export class ConfigurationError extends Error {
  status: number;
  code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const SYSTEM_QUERIES = {
  targetedCount: 'SELECT deviceId FROM devices WHERE capabilities.iotEdge = true AND <targetCondition>',
  appliedCount:
    "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND configurations.[[<id>]].status = 'Applied'",
  reportedSuccessfulCount:
    "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND configurations.[[<id>]].status = 'Applied' AND properties.desired.$version = properties.reported.lastDesiredVersion AND properties.reported.lastDesiredStatus.code = 200",
  reportedFailedCount:
    "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND configurations.[[<id>]].status = 'Applied' AND properties.desired.$version = properties.reported.lastDesiredVersion AND properties.reported.lastDesiredStatus.code != 200",
};

/**
 * The hub's edge deployments: which one applies to each device (the highest priority base
 * deployment whose condition matches, then every matching layered one), the content each
 * device gets, and the metrics, computed from the devices' real state on every read.
 */
export class Deployments {
  readonly configs = new Map<string, Stored>();
  private readonly registry: DeviceRegistry;
  private readonly onContentChanged: (d: DeviceRecord) => void;

  constructor(registry: DeviceRegistry, onContentChanged: (d: DeviceRecord) => void) {
    this.registry = registry;
    this.onContentChanged = onContentChanged;
  }

  put(id: string, body: Record<string, unknown>, ifMatch: string | undefined): Configuration {
    if (!/^[a-z0-9\-:+%_#*?!(),=@;$']{1,128}$/.test(id))
      throw new ConfigurationError(
        400,
        'ArgumentInvalid',
        `Configuration id '${id}' is invalid: lowercase letters, digits and - : + % _ # * ? ! ( ) , = @ ; $ ' only, at most 128.`,
      );
    const existing = this.configs.get(id);
    if (
      existing &&
      ifMatch !== '*' &&
      ifMatch !== undefined &&
      ifMatch.replace(/"/g, '') !== existing.cfg.etag
    )
      throw new ConfigurationError(
        412,
        'PreconditionFailed',
        `Configuration '${id}' has changed (etag mismatch).`,
      );
    if (!existing && ifMatch && ifMatch !== '*')
      throw new ConfigurationError(404, 'ConfigurationNotFound', `Configuration '${id}' does not exist.`);
    const content = (body.content ?? {}) as Configuration['content'];
    const modulesContent = content.modulesContent;
    if (!modulesContent && !content.deviceContent)
      throw new ConfigurationError(
        400,
        'ArgumentInvalid',
        'Configuration content must have modulesContent or deviceContent.',
      );
    // Layered deployments set `properties.desired.<path>` keys; a base one sets `properties.desired` whole.
    const layered = !!modulesContent && !('properties.desired' in (modulesContent.$edgeAgent ?? {}));
    if (existing && JSON.stringify(existing.cfg.content) !== JSON.stringify(content))
      throw new ConfigurationError(
        400,
        'ConfigurationContentImmutable',
        `The content of configuration '${id}' cannot be changed; create a new configuration.`,
      );
    const targetCondition = String(body.targetCondition ?? '');
    let parsed: ReturnType<typeof parseCondition>;
    try {
      parsed = parseCondition(targetCondition || "deviceId = ''");
    } catch (e) {
      throw new ConfigurationError(
        400,
        'InvalidTargetCondition',
        `targetCondition '${targetCondition}': ${(e as Error).message}`,
      );
    }
    const metricsQueries = ((body.metrics as { queries?: Record<string, string> } | undefined)?.queries ??
      {}) as Record<string, string>;
    for (const [name, q] of Object.entries(metricsQueries)) {
      try {
        parseMetric(q);
      } catch (e) {
        throw new ConfigurationError(
          400,
          'InvalidMetricQuery',
          `metrics.queries.${name}: ${(e as Error).message}`,
        );
      }
    }
    const now = new Date().toISOString();
    const cfg: Configuration = {
      id,
      schemaVersion: '1.0',
      labels: (body.labels ?? {}) as Record<string, string>,
      content,
      targetCondition,
      priority: Number(body.priority ?? 0),
      createdTimeUtc: existing?.cfg.createdTimeUtc ?? now,
      lastUpdatedTimeUtc: now,
      etag: randomBytes(6).toString('base64'),
      metrics: { queries: metricsQueries, results: {} },
      systemMetrics: { queries: {}, results: {} },
    };
    this.configs.set(id, { cfg, layered, where: parsed.where, equalities: parsed.equalities });
    this.reassign();
    return this.view(id) as Configuration;
  }

  delete(id: string): boolean {
    if (!this.configs.delete(id)) return false;
    this.reassign();
    return true;
  }

  /** Recomputes which deployments apply to every device, and hands changed content to it. */
  reassign(): void {
    const all = [...this.configs.values()].filter((s) => s.cfg.content.modulesContent);
    const matches = new Map<string, Stored[]>();
    for (const s of all) {
      for (const d of this.registry.select(s.where, s.equalities)) {
        if (!d.iotEdge) continue;
        const list = matches.get(d.deviceId) ?? [];
        matches.set(d.deviceId, list);
        list.push(s);
      }
    }
    for (const d of this.registry.devices.values()) {
      const list = matches.get(d.deviceId) ?? [];
      const byPriority = (a: Stored, b: Stored) =>
        b.cfg.priority - a.cfg.priority ||
        b.cfg.createdTimeUtc.localeCompare(a.cfg.createdTimeUtc) ||
        a.cfg.id.localeCompare(b.cfg.id);
      const base = list.filter((s) => !s.layered).sort(byPriority)[0];
      // Layers apply only on top of a base deployment; lower priority first, so higher wins.
      const layers = base ? list.filter((s) => s.layered).sort((a, b) => -byPriority(a, b)) : [];
      const applied = base ? [base.cfg.id, ...layers.map((l) => l.cfg.id)] : [];
      let content: Record<string, unknown> | undefined;
      if (base) content = mergeContent([base, ...layers].map((s) => s.cfg.content.modulesContent ?? {}));
      else content = d.directContent;
      d.applied = applied;
      this.setContent(d, content);
    }
  }

  applyOnDevice(d: DeviceRecord, content: Record<string, unknown>): void {
    d.directContent = (content as { modulesContent?: Record<string, unknown> }).modulesContent ?? content;
    this.reassign();
  }

  private setContent(d: DeviceRecord, content: Record<string, unknown> | undefined): void {
    const key = content ? createHash('sha256').update(JSON.stringify(content)).digest('base64') : undefined;
    if (key === d.contentKey) return;
    d.contentKey = key;
    const agentDesired = ((content?.$edgeAgent as Record<string, unknown> | undefined)?.[
      'properties.desired'
    ] ?? {}) as Record<string, unknown>;
    d.edgeAgent.desired = structuredClone(agentDesired);
    d.edgeAgent.version++;
    this.onContentChanged(d);
  }

  configurationsOf(d: DeviceRecord): Record<string, { status: string }> {
    const out: Record<string, { status: string }> = {};
    for (const id of d.applied) out[id] = { status: 'Applied' };
    return out;
  }

  list(): Configuration[] {
    return [...this.configs.keys()].map((id) => this.view(id) as Configuration);
  }

  /** The configuration with its metrics computed now from the devices' state. */
  view(id: string): Configuration | undefined {
    const s = this.configs.get(id);
    if (!s) return undefined;
    const cfg = structuredClone(s.cfg);
    if (!cfg.content.modulesContent) return cfg;
    const targeted = this.registry.select(s.where, s.equalities).filter((d) => d.iotEdge);
    const applied = [...this.registry.devices.values()].filter((d) => d.applied.includes(id));
    const reported = applied.filter(
      (d) => (d.edgeAgent.reported.lastDesiredVersion as number | undefined) === d.edgeAgent.version,
    );
    const ok = reported.filter(
      (d) => (d.edgeAgent.reported.lastDesiredStatus as { code?: number } | undefined)?.code === 200,
    );
    const queries: Record<string, string> = {};
    for (const [k, q] of Object.entries(SYSTEM_QUERIES))
      queries[k] = q.replace('<id>', id).replace('<targetCondition>', cfg.targetCondition);
    cfg.systemMetrics = {
      queries,
      results: {
        targetedCount: targeted.length,
        appliedCount: applied.length,
        reportedSuccessfulCount: ok.length,
        reportedFailedCount: reported.length - ok.length,
      },
    };
    const results: Record<string, number> = {};
    for (const [name, q] of Object.entries(cfg.metrics.queries)) {
      const where = parseMetric(q.replace(/\[\[([^\]]+)\]\]/g, (_, x: string) => x));
      let n = 0;
      for (const d of this.registry.devices.values())
        if (where(edgeAgentView(d, this.configurationsOf(d)) as unknown as Record<string, unknown>)) n++;
      results[name] = n;
    }
    cfg.metrics.results = results;
    return cfg;
  }
}

/**
 * A custom metric: `SELECT deviceId FROM devices.modules WHERE ...` over the `$edgeAgent` module
 * twins (`properties.$reported` is read as `properties.reported`).
 */
function parseMetric(query: string): Predicate {
  const text = query
    .replace(/\[\[([^\]]+)\]\]/g, (_, x: string) => x)
    .replace(/\$reported/g, 'reported')
    .replace(/\$desired/g, 'desired')
    .replace(/^\s*SELECT\s+deviceId\s+FROM\s+devices(\.modules)?/i, 'SELECT * FROM devices');
  return parseQuery(text).where;
}

/** Layered content: each layer's `properties.desired.*` paths are set on top of the base's. */
function mergeContent(layers: Array<Record<string, Record<string, unknown>>>): Record<string, unknown> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const layer of layers) {
    for (const [module, props] of Object.entries(layer)) {
      const target = out[module] ?? {};
      out[module] = target;
      for (const [key, value] of Object.entries(props)) {
        if (key === 'properties.desired') {
          target[key] = deepMerge(
            (target[key] as Record<string, unknown>) ?? {},
            value as Record<string, unknown>,
          );
        } else if (key.startsWith('properties.desired.')) {
          const path = key.slice('properties.desired.'.length).split('.');
          let cur = (target['properties.desired'] as Record<string, unknown> | undefined) ?? {};
          target['properties.desired'] = cur;
          for (const p of path.slice(0, -1)) {
            const next = (cur[p] as Record<string, unknown> | undefined) ?? {};
            cur[p] = next;
            cur = next;
          }
          cur[path.at(-1) as string] = structuredClone(value);
        } else target[key] = structuredClone(value);
      }
    }
  }
  return out;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = structuredClone(a);
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object'
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : structuredClone(v);
  }
  return out;
}
