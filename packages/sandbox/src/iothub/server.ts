import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError, type Deployments } from './deployments.ts';
import { parseQuery, QuerySyntaxError } from './query.ts';
import { type DeviceRegistry, deviceView, edgeAgentView, twinView } from './registry.ts';
import { type AccessPolicy, checkSas } from './sas.ts';

/** IoT Hub's error body: the SDK reads the code from `Message` (`ErrorCode:<code>;<text>`). */
export function hubError(status: number, code: string, message: string) {
  return {
    status,
    body: { Message: `ErrorCode:${code};${message}`, ExceptionMessage: `Tracking ID:sandbox-${Date.now()}` },
  };
}

interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const MAX_PAGE = 1000;

export function hubHandler(options: {
  hostName: string;
  policies: AccessPolicy[];
  registry: DeviceRegistry;
  deployments: Deployments;
  deviceKeys: (id: string) => { primaryKey: string; secondaryKey: string };
}) {
  const { registry, deployments } = options;

  async function route(req: IncomingMessage, url: URL, body: unknown): Promise<Answer> {
    const denied = checkSas(
      req.headers.authorization,
      options.hostName,
      options.policies,
      Math.floor(Date.now() / 1000),
    );
    if (denied) return hubError(401, 'IotHubUnauthorizedAccess', `Unauthorized: ${denied}`);
    if (!url.searchParams.get('api-version'))
      return hubError(
        400,
        'InvalidProtocolVersion',
        'The api-version query parameter is required (e.g. 2021-04-12).',
      );
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = req.method ?? 'GET';
    const [a, id, b, c] = parts;

    if (a === 'devices' && id === 'query' && parts.length === 2 && method === 'POST') return query(req, body);
    if (a === 'devices' && parts.length === 1 && method === 'GET') {
      const top = Number(url.searchParams.get('top') ?? 1000);
      return {
        status: 200,
        body: [...registry.devices.values()]
          .slice(0, top)
          .map((d) => deviceView(d, options.deviceKeys(d.deviceId))),
      };
    }
    if (a === 'devices' && id && parts.length === 2) {
      const d = registry.devices.get(id);
      if (method === 'GET')
        return d
          ? { status: 200, body: deviceView(d, options.deviceKeys(id)) }
          : hubError(404, 'DeviceNotFound', `Device ${id} not found.`);
      if (method === 'PUT') {
        if (d && !req.headers['if-match'])
          return hubError(409, 'DeviceAlreadyExists', `A device with ID '${id}' is already registered.`);
        const info = (body ?? {}) as {
          capabilities?: { iotEdge?: boolean };
          status?: 'enabled' | 'disabled';
        };
        const dev = d ?? registry.create(id, { iotEdge: info.capabilities?.iotEdge ?? false });
        if (info.capabilities?.iotEdge !== undefined) dev.iotEdge = info.capabilities.iotEdge;
        if (info.status) dev.status = info.status;
        deployments.reassign();
        return { status: 200, body: deviceView(dev, options.deviceKeys(id)) };
      }
      if (method === 'DELETE') {
        if (!registry.delete(id)) return hubError(404, 'DeviceNotFound', `Device ${id} not found.`);
        return { status: 204 };
      }
    }
    if (a === 'devices' && id && b === 'applyConfigurationContent' && method === 'POST') {
      const d = registry.devices.get(id);
      if (!d) return hubError(404, 'DeviceNotFound', `Device ${id} not found.`);
      if (!d.iotEdge) return hubError(400, 'ArgumentInvalid', `Device ${id} is not an IoT Edge device.`);
      const content = (body ?? {}) as Record<string, unknown>;
      if (!content.modulesContent)
        return hubError(400, 'ArgumentInvalid', 'The content must have modulesContent.');
      deployments.applyOnDevice(d, content);
      return { status: 204 };
    }
    if (a === 'devices' && id && b === 'modules' && parts.length === 3 && method === 'GET') {
      const d = registry.devices.get(id);
      if (!d) return hubError(404, 'DeviceNotFound', `Device ${id} not found.`);
      const names = ['$edgeAgent', '$edgeHub', ...Object.keys((d.edgeAgent.desired.modules ?? {}) as object)];
      return {
        status: 200,
        body: names.map((moduleId) => ({ deviceId: id, moduleId, connectionState: 'Connected' })),
      };
    }
    if (a === 'twins' && id) {
      const d = registry.devices.get(id);
      if (!d) return hubError(404, 'DeviceNotFound', `Device ${id} not found.`);
      if (b === 'modules' && c && method === 'GET') {
        if (c !== '$edgeAgent')
          return hubError(404, 'ModuleNotFound', `Module ${c} on device ${id} not found.`);
        return { status: 200, body: edgeAgentView(d, deployments.configurationsOf(d)) };
      }
      if (parts.length === 2 && method === 'GET')
        return { status: 200, body: twinView(d, deployments.configurationsOf(d)) };
      if (parts.length === 2 && (method === 'PATCH' || method === 'PUT')) {
        const ifMatch = req.headers['if-match'];
        if (ifMatch && ifMatch !== '*' && String(ifMatch).replace(/"/g, '') !== d.etag)
          return hubError(412, 'PreconditionFailed', `Twin of ${id} has changed (etag mismatch).`);
        const patch = (body ?? {}) as {
          tags?: Record<string, unknown>;
          properties?: { desired?: Record<string, unknown> };
        };
        if (patch.tags)
          registry.setTags(d, method === 'PUT' ? patch.tags : pruneNulls({ ...d.tags, ...patch.tags }));
        if (patch.properties?.desired) d.desired = pruneNulls({ ...d.desired, ...patch.properties.desired });
        registry.touch(d);
        deployments.reassign();
        return { status: 200, body: twinView(d, deployments.configurationsOf(d)) };
      }
    }
    if (a === 'configurations' && !id && method === 'GET') {
      const top = Number(url.searchParams.get('top') ?? 20);
      return { status: 200, body: deployments.list().slice(0, top) };
    }
    if (a === 'configurations' && id && parts.length === 2) {
      if (method === 'GET') {
        const cfg = deployments.view(id);
        return cfg
          ? { status: 200, body: cfg }
          : hubError(404, 'ConfigurationNotFound', `Configuration ${id} not found.`);
      }
      if (method === 'PUT') {
        try {
          return {
            status: 200,
            body: deployments.put(id, (body ?? {}) as Record<string, unknown>, header(req, 'if-match')),
          };
        } catch (e) {
          if (e instanceof ConfigurationError) return hubError(e.status, e.code, e.message);
          throw e;
        }
      }
      if (method === 'DELETE') {
        if (!deployments.delete(id))
          return hubError(404, 'ConfigurationNotFound', `Configuration ${id} not found.`);
        return { status: 204 };
      }
    }
    if (a === 'statistics' && id === 'devices' && method === 'GET') {
      const total = registry.devices.size;
      return {
        status: 200,
        body: { totalDeviceCount: total, enabledDeviceCount: total, disabledDeviceCount: 0 },
      };
    }
    return hubError(404, 'NotFound', `No such IoT Hub API: ${method} ${url.pathname}.`);
  }

  function query(req: IncomingMessage, body: unknown): Answer {
    const text = String((body as { query?: unknown } | undefined)?.query ?? '');
    let parsed: ReturnType<typeof parseQuery>;
    try {
      parsed = parseQuery(text);
    } catch (e) {
      if (e instanceof QuerySyntaxError)
        return hubError(400, 'SqlQueryInvalid', `Query '${text}': ${e.message}`);
      throw e;
    }
    const matched = registry.select(parsed.where, parsed.equalities);
    if (parsed.count)
      return {
        status: 200,
        body: [{ [parsed.countAlias]: matched.length }],
        headers: { 'x-ms-item-type': 'raw' },
      };
    const pageSize = Math.min(
      MAX_PAGE,
      Math.max(1, Number(header(req, 'x-ms-max-item-count') ?? 100) || 100),
    );
    const token = header(req, 'x-ms-continuation');
    const start = token ? Number(Buffer.from(token, 'base64').toString('utf8')) || 0 : 0;
    matched.sort((x, y) => x.deviceId.localeCompare(y.deviceId));
    const page = matched
      .slice(start, start + pageSize)
      .map((d) => twinView(d, deployments.configurationsOf(d)));
    const headers: Record<string, string> = { 'x-ms-item-type': 'twin' };
    if (start + pageSize < matched.length)
      headers['x-ms-continuation'] = Buffer.from(String(start + pageSize)).toString('base64');
    return { status: 200, body: page, headers };
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'https://hub');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: unknown;
    let answer: Answer;
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
      answer = await route(req, url, body);
    } catch (e) {
      answer =
        e instanceof SyntaxError
          ? hubError(400, 'ArgumentInvalid', `The request body is not valid JSON: ${e.message}`)
          : hubError(500, 'ServerError', (e as Error).message);
    }
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...(text ? { 'content-type': 'application/json; charset=utf-8' } : {}),
      'iothub-errorcode':
        answer.status >= 400
          ? (String((answer.body as { Message?: string }).Message ?? '')
              .split(';')[0]
              ?.slice(10) ?? '')
          : '',
      ...answer.headers,
    });
    res.end(text);
  };
}

const header = (req: IncomingMessage, name: string) => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function pruneNulls(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) if (v === null) delete o[k];
  return o;
}
