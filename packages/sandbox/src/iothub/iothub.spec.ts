import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iothub from 'azure-iothub';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadOrCreateCa } from '../tls.ts';
import type { Fault, RequestRecord, SandboxContext } from '../types.ts';
import { createIotHub, type IotHub } from './index.ts';
import { signSas } from './sas.ts';

const require = createRequire(import.meta.url);
const { Http } = require('azure-iothub/dist/common-http/http.js');
const { RestApiClient } = require('azure-iothub/dist/common-http/rest_api_client.js');

let dir: string;
let hub: IotHub;
let ctx: SandboxContext;
let registry: iothub.Registry;
const records: RequestRecord[] = [];
const faults: Fault[] = [];

/** The real SDK Registry, pinned to the hub's loopback port with the sandbox CA. */
function sdkRegistry(connectionString: string): iothub.Registry {
  const cn = iothub.ConnectionString.parse(connectionString);
  const agent = new Agent({
    defaultPort: hub.port,
    ca: ctx.ca.certPem,
    lookup: ((_h: string, o: { all?: boolean }, cb: (...a: unknown[]) => void) =>
      o?.all ? cb(null, [{ address: hub.host, family: 4 }]) : cb(null, hub.host, 4)) as never,
  });
  const http = new Http();
  const set = http.setOptions.bind(http);
  http.setOptions = (o: Record<string, unknown>) => set({ ...o, http: { agent } });
  http.setOptions({});
  const config = {
    host: cn.HostName,
    sharedAccessSignature: iothub.SharedAccessSignature.create(
      cn.HostName as string,
      cn.SharedAccessKeyName as string,
      cn.SharedAccessKey as string,
      Date.now(),
    ),
  };
  return new iothub.Registry(config as never, new RestApiClient(config, 'test', http));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dove-iothub-'));
  ctx = {
    host: '127.0.0.1',
    stateDir: dir,
    ca: await loadOrCreateCa(dir),
    delays: { provisionMs: 10, containerStartMs: 10, edgeReportMs: 40 },
    images: {
      start: () => {
        throw new Error('no images');
      },
      stopAll: async () => {},
    },
    faultFor: () => faults.shift(),
    record: (r) => records.push(r),
    log: () => {},
  };
  hub = await createIotHub(ctx, {
    name: 'test-hub',
    devices: {
      count: 10000,
      tags: (i) => ({ role: i < 9000 ? 'scorer' : 'camera', ring: i % 10 === 0 ? 'canary' : 'main', n: i }),
    },
  });
  registry = sdkRegistry(hub.connectionString);
});
afterAll(async () => {
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const modules = (image: string) => ({
  $edgeAgent: {
    'properties.desired': {
      schemaVersion: '1.1',
      runtime: { type: 'docker', settings: {} },
      systemModules: {
        edgeAgent: { type: 'docker', settings: { image: 'mcr.microsoft.com/azureiotedge-agent:1.4' } },
      },
      modules: {
        scorer: { type: 'docker', status: 'running', restartPolicy: 'always', settings: { image } },
      },
    },
  },
  $edgeHub: {
    'properties.desired': {
      schemaVersion: '1.1',
      routes: {},
      storeAndForwardConfiguration: { timeToLiveSecs: 7200 },
    },
  },
});

type Metrics = {
  systemMetrics: { results: Record<string, number> };
  metrics: { results: Record<string, number> };
};
const metricsOf = async (id: string) =>
  (await registry.getConfiguration(id)).responseBody as unknown as Metrics;

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
}

test('devices CRUD and twins through the real SDK with SAS auth', async () => {
  await registry.create({ deviceId: 'cam-1', capabilities: { iotEdge: true } } as never);
  const got = await registry.get('cam-1');
  expect(got.responseBody.deviceId).toBe('cam-1');
  const twin = await registry.getTwin('cam-1');
  await twin.responseBody.update({ tags: { site: 'lab' } });
  expect((await registry.getTwin('cam-1')).responseBody.tags).toEqual({ site: 'lab' });
  await expect(registry.create({ deviceId: 'cam-1' } as never)).rejects.toThrow();
  await registry.delete('cam-1');
  await expect(registry.get('cam-1')).rejects.toMatchObject({ name: 'DeviceNotFoundError' });
});

test('a wrong key or an expired token answers 401 with IoT Hub error shape', async () => {
  const wrong = hub.connectionString.replace(
    /SharedAccessKey=[^;]+/,
    `SharedAccessKey=${Buffer.alloc(32, 1).toString('base64')}`,
  );
  await expect(sdkRegistry(wrong).get('edge-00001')).rejects.toMatchObject({ name: 'UnauthorizedError' });
  const key = /SharedAccessKey=([^;]+)/.exec(hub.connectionString)?.[1] as string;
  const expired = signSas(hub.hostName, { keyName: 'iothubowner', key }, Math.floor(Date.now() / 1000) - 10);
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      {
        host: hub.host,
        port: hub.port,
        path: '/devices/edge-00001?api-version=2021-04-12',
        ca: ctx.ca.certPem,
        servername: hub.hostName,
        headers: { authorization: expired },
      },
      (r) => {
        let body = '';
        r.on('data', (c) => (body += c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  expect(res.status).toBe(401);
  expect(JSON.parse(res.body).Message).toMatch(/^ErrorCode:IotHubUnauthorizedAccess;.*expired/);
});

test('queries: count, tags, pages with continuation tokens, fast over 10,000 devices', async () => {
  const started = performance.now();
  const q = registry.createQuery(
    "SELECT COUNT() AS n FROM devices WHERE tags.role = 'scorer' AND tags.ring = 'canary'",
  );
  const counted = await q.next();
  expect(counted.result).toEqual([{ n: 900 }]);
  const all = registry.createQuery("SELECT * FROM devices WHERE tags.role = 'camera' OR tags.n < 5", 400);
  const ids: string[] = [];
  while (all.hasMoreResults) {
    const page = await all.nextAsTwin();
    ids.push(...page.result.map((t) => t.deviceId));
  }
  expect(ids.length).toBe(1005);
  expect(new Set(ids).size).toBe(1005);
  // Speed is measured, not asserted (tests never assert timings); see the report in the log.
  ctx.log(`queries over 10,000 devices: ${Math.round(performance.now() - started)} ms`);
  await expect(registry.createQuery('SELECT name FROM things').next()).rejects.toThrow();
});

test('deployments: priority decides, layers add on top, metrics count real reports', async () => {
  hub.fleet.setBehaviour('edge-00001', 'fail');
  hub.fleet.setBehaviour('edge-00002', 'silent');
  await registry.addConfiguration({
    id: 'base-v1',
    targetCondition: "tags.role = 'scorer' AND tags.n < 20",
    priority: 10,
    content: { modulesContent: modules('scorer:1') },
    metrics: {
      queries: {
        running:
          "SELECT deviceId FROM devices.modules WHERE moduleId = '$edgeAgent' AND properties.reported.modules.scorer.runtimeStatus = 'running'",
      },
    },
  } as never);
  await registry.addConfiguration({
    id: 'base-v2',
    targetCondition: "tags.role = 'scorer' AND tags.n < 10",
    priority: 20,
    content: { modulesContent: modules('scorer:2') },
  } as never);
  await registry.addConfiguration({
    id: 'layer-extra',
    targetCondition: 'tags.n < 3',
    priority: 5,
    content: {
      modulesContent: {
        $edgeAgent: {
          'properties.desired.modules.extra': { type: 'docker', settings: { image: 'extra:1' } },
        },
      },
    },
  } as never);
  expect(hub.fleet.applied('edge-00001')).toEqual(['base-v2', 'layer-extra']);
  expect(hub.fleet.applied('edge-00015')).toEqual(['base-v1']);
  const v2 = await waitFor(
    () => metricsOf('base-v2'),
    (c) =>
      c.systemMetrics.results.reportedSuccessfulCount + c.systemMetrics.results.reportedFailedCount === 9,
  );
  expect(v2.systemMetrics.results).toEqual({
    targetedCount: 10,
    appliedCount: 10,
    reportedSuccessfulCount: 8,
    reportedFailedCount: 1,
  });
  const v1 = await waitFor(
    () => metricsOf('base-v1'),
    (c) => c.systemMetrics.results.reportedSuccessfulCount === 10,
  );
  expect(v1.systemMetrics.results.targetedCount).toBe(20);
  expect(v1.metrics.results.running).toBeGreaterThanOrEqual(18);
  const agent = await registry.getModuleTwin('edge-00000', '$edgeAgent');
  const reported = agent.responseBody.properties.reported as { modules: Record<string, unknown> };
  expect(Object.keys(reported.modules).sort()).toEqual(['extra', 'scorer']);
  // Removing the newer deployment falls back to the older one.
  await registry.removeConfiguration('base-v2');
  expect(hub.fleet.applied('edge-00005')).toEqual(['base-v1']);
  await registry.removeConfiguration('base-v1');
  await registry.removeConfiguration('layer-extra');
  expect(hub.fleet.applied('edge-00005')).toEqual([]);
});

test('content on one device, and bad input is refused with the error code', async () => {
  await registry.applyConfigurationContentOnDevice('edge-09999', {
    modulesContent: modules('one:1'),
  } as never);
  const agent = await waitFor(
    async () => (await registry.getModuleTwin('edge-09999', '$edgeAgent')).responseBody,
    (t) =>
      (t.properties.reported as { lastDesiredStatus?: { code: number } }).lastDesiredStatus?.code === 200,
  );
  expect(
    (agent.properties.reported as { modules: Record<string, { runtimeStatus: string }> }).modules.scorer
      ?.runtimeStatus,
  ).toBe('running');
  await expect(
    registry.addConfiguration({
      id: 'Bad Id',
      targetCondition: '*',
      priority: 1,
      content: { modulesContent: modules('x') },
    } as never),
  ).rejects.toThrow();
  await expect(
    registry.addConfiguration({
      id: 'bad-cond',
      targetCondition: "tags.x = = 'y'",
      priority: 1,
      content: { modulesContent: modules('x') },
    } as never),
  ).rejects.toThrow(/targetCondition/);
});

test('fault rules answer before the hub and every request is recorded', async () => {
  faults.push({ type: 'status', status: 503 });
  await expect(registry.get('edge-00003')).rejects.toThrow();
  expect((await registry.get('edge-00003')).responseBody.deviceId).toBe('edge-00003');
  expect(records.some((r) => r.api === 'iothub' && r.status === 503)).toBe(true);
});
