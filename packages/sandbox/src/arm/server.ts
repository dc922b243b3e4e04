import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { ApiFamily, ArmHost, ArmProvider, ArmRequest, ArmResponse, SandboxContext } from '../types.ts';
import { type FederatedCredential, IssuerKeys } from './federated.ts';
import { armError, readBody, sendJson } from './http.ts';
import { handleIdentity, type IdentityConfig } from './identity.ts';
import { verifyJwt } from './jwt.ts';
import { Operations } from './operations.ts';
import { ResourceGroups } from './resource-groups.ts';

export interface ArmServerOptions {
  ctx: SandboxContext;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  signingKey: Buffer;
  /** Fixed port (default: any free one). */
  port?: number;
  /** Federated identity credentials the token endpoint accepts (the list is read per request). */
  federatedCredentials?: FederatedCredential[];
  /** Lifetime of the access tokens it issues (default 3600). */
  tokenLifetimeSeconds?: number;
  /** Answers `/_sandbox/*` (the control API); the caller checks its own auth. */
  control?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
}

export interface ArmServer {
  baseUrl: string;
  host: ArmHost;
  resourceGroups: ResourceGroups;
  addProvider(provider: ArmProvider): void;
  close(): Promise<void>;
}

const IDENTITY_PATH =
  /^\/(common\/discovery\/instance|[^/]+\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/v2\.0\/keys))$/i;

function familyOf(path: string): ApiFamily {
  if (path.startsWith('/_sandbox/')) return 'control';
  return IDENTITY_PATH.test(path) ? 'token' : 'arm';
}

export async function startArmServer(o: ArmServerOptions): Promise<ArmServer> {
  const { ctx } = o;
  const cert = await ctx.ca.issue([ctx.host, 'localhost', '127.0.0.1']);
  const providers = new Map<string, ArmProvider>();
  const groups = new ResourceGroups();
  const operations = new Operations();
  let baseUrl = '';
  const issuerKeys = new IssuerKeys();
  const identity = (): IdentityConfig => ({
    baseUrl,
    tenantId: o.tenantId,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    signingKey: o.signingKey,
    ...(o.federatedCredentials ? { federatedCredentials: o.federatedCredentials } : {}),
    ...(o.tokenLifetimeSeconds ? { tokenLifetimeSeconds: o.tokenLifetimeSeconds } : {}),
    issuerKeys,
  });

  // The failOperation fault matched by the request being served, for startOperation to apply.
  const pendingFailure = new AsyncLocalStorage<{ code: string; message: string } | undefined>();

  const host: ArmHost = {
    get baseUrl() {
      return baseUrl;
    },
    resourceGroup: (sub, name) => {
      const rg = sub.toLowerCase() === o.subscriptionId.toLowerCase() ? groups.get(sub, name) : undefined;
      return rg && { name: rg.name, location: rg.location };
    },
    startOperation: (options) => {
      const failure = pendingFailure.getStore();
      const work = failure
        ? async () => {
            await new Promise((r) => setTimeout(r, ctx.delays.provisionMs));
            throw Object.assign(new Error(failure.message), { code: failure.code });
          }
        : options.work;
      return operations.start(
        baseUrl,
        o.subscriptionId,
        { ...options, work },
        ctx.delays.provisionMs >= 1000 ? 1 : 0,
      );
    },
    error: (status, code, message) => ({ status, body: armError(code, message) }),
  };

  const sockets = new Set<import('node:stream').Duplex>();
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    void serve(req, res).catch((err: unknown) => {
      ctx.log(`ARM request ${req.method} ${req.url} failed: ${(err as Error).stack ?? err}`);
      sendJson(
        res,
        500,
        armError('InternalServerError', 'The sandbox failed to answer this request; see its log.'),
      );
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function serve(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', baseUrl);
    const api = familyOf(url.pathname);
    const requestId = randomUUID();
    res.setHeader('x-ms-request-id', requestId);
    res.setHeader(
      'x-ms-correlation-request-id',
      String(req.headers['x-ms-correlation-request-id'] ?? requestId),
    );
    res.on('finish', () =>
      ctx.record({
        api,
        method: req.method ?? 'GET',
        path: url.pathname,
        status: res.statusCode,
        at: Date.now(),
      }),
    );

    const fault = ctx.faultFor(api, req);
    if (fault?.type === 'drop') {
      ctx.record({ api, method: req.method ?? 'GET', path: url.pathname, status: 0, at: Date.now() });
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.type === 'status') {
      const headers: Record<string, string> =
        fault.retryAfterSeconds !== undefined ? { 'Retry-After': String(fault.retryAfterSeconds) } : {};
      const code =
        fault.status === 429
          ? 'TooManyRequests'
          : fault.status === 503
            ? 'ServiceUnavailable'
            : fault.status === 502
              ? 'BadGateway'
              : 'InternalServerError';
      sendJson(
        res,
        fault.status,
        armError(code, `Injected by the sandbox's fault rules (${fault.status}).`),
        headers,
      );
      return;
    }

    if (api === 'control') {
      if (o.control) await o.control(req, res, url);
      else sendJson(res, 404, armError('NotFound', 'No control API on this server.'));
      return;
    }
    if (api === 'token') {
      if (!(await handleIdentity(identity(), req, res, url)))
        sendJson(res, 404, armError('NotFound', `No such identity endpoint: ${url.pathname}`));
      return;
    }
    const answer = await pendingFailure.run(fault?.type === 'failOperation' ? fault : undefined, () =>
      serveArm(req, url),
    );
    sendJson(res, answer.status, answer.body, answer.headers);
  }

  function authenticate(req: IncomingMessage): ArmResponse | undefined {
    const challenge = `Bearer authorization_uri="${baseUrl}/${o.tenantId}", error="invalid_token", error_description="The authentication failed because of missing 'Authorization' header."`;
    const auth = req.headers.authorization;
    const token = auth?.match(/^Bearer (.+)$/i)?.[1];
    if (!token)
      return {
        status: 401,
        body: armError(
          'AuthenticationFailed',
          "Authentication failed. The 'Authorization' header is missing.",
        ),
        headers: { 'WWW-Authenticate': challenge },
      };
    const check = verifyJwt(token, o.signingKey);
    if (check.ok) return undefined;
    const headers = {
      'WWW-Authenticate': `Bearer authorization_uri="${baseUrl}/${o.tenantId}", error="invalid_token", error_description="The access token is invalid."`,
    };
    if (check.reason === 'expired')
      return {
        status: 401,
        body: armError(
          'ExpiredAuthenticationToken',
          'The access token expiry UTC time is earlier than current UTC time.',
        ),
        headers,
      };
    if (check.reason === 'signature')
      return {
        status: 401,
        body: armError('InvalidAuthenticationTokenSignature', 'The access token has an invalid signature.'),
        headers,
      };
    return {
      status: 401,
      body: armError('InvalidAuthenticationToken', 'The access token is invalid.'),
      headers,
    };
  }

  async function serveArm(req: IncomingMessage, url: URL): Promise<ArmResponse> {
    const denied = authenticate(req);
    if (denied) return denied;
    const apiVersion = url.searchParams.get('api-version');
    if (!apiVersion)
      return host.error(
        400,
        'MissingApiVersionParameter',
        'The api-version query parameter (?api-version=) is required for all requests.',
      );
    const seg = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (seg[0]?.toLowerCase() !== 'subscriptions' || !seg[1])
      return host.error(404, 'NotFound', `The sandbox does not serve ${url.pathname}.`);
    const sub = seg[1];
    if (sub.toLowerCase() !== o.subscriptionId.toLowerCase())
      return host.error(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req);
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        return host.error(
          400,
          'InvalidRequestContent',
          'The request content was invalid and could not be deserialized: not JSON.',
        );
      }
    }
    if (seg.length === 2 && method === 'GET')
      return {
        status: 200,
        body: {
          id: `/subscriptions/${sub}`,
          subscriptionId: o.subscriptionId,
          displayName: 'Dove sandbox',
          state: 'Enabled',
          tenantId: o.tenantId,
        },
      };
    let rest = seg.slice(2);
    let resourceGroup: string | undefined;
    if (rest[0]?.toLowerCase() === 'resourcegroups') {
      if (rest.length === 1) {
        if (method !== 'GET')
          return host.error(405, 'MethodNotAllowed', `${method} is not allowed on resource group lists.`);
        return { status: 200, body: { value: groups.list(sub).map((g) => groups.toArm(sub, g)) } };
      }
      resourceGroup = rest[1];
      if (rest.length === 2) return resourceGroupRequest(method, sub, resourceGroup ?? '', body);
      if (!groups.get(sub, resourceGroup ?? ''))
        return host.error(
          404,
          'ResourceGroupNotFound',
          `Resource group '${resourceGroup}' could not be found.`,
        );
      rest = rest.slice(2);
    }
    if (rest[0]?.toLowerCase() !== 'providers' || !rest[1])
      return host.error(404, 'NotFound', `The sandbox does not serve ${url.pathname}.`);
    const namespace = rest[1];
    const providerPath = rest.slice(2);
    if (!resourceGroup) {
      const status = operationStatus(providerPath);
      if (status) return status;
    }
    const provider = providers.get(namespace.toLowerCase());
    if (!provider)
      return host.error(
        404,
        'NoRegisteredProviderFound',
        `No registered resource provider found for location and API version '${apiVersion}' in namespace '${namespace}'. The sandbox emulates: ${[...providers.values()].map((p) => p.namespace).join(', ') || 'none yet'}.`,
      );
    const request: ArmRequest = {
      method,
      url,
      subscriptionId: sub,
      resourceGroup,
      namespace,
      providerPath,
      apiVersion,
      body,
      headers: req.headers,
    };
    const answer = await provider.handle(request);
    return (
      answer ??
      host.error(
        404,
        'ResourceNotFound',
        `The resource '${providerPath.join('/')}' under resource group '${resourceGroup ?? ''}' was not found.`,
      )
    );
  }

  function operationStatus(path: string[]): ArmResponse | undefined {
    // locations/{loc}/operations/{id} (Azure-AsyncOperation) or .../operationResults/{id} (Location)
    if (path.length !== 4 || path[0]?.toLowerCase() !== 'locations') return undefined;
    const kind = path[2]?.toLowerCase();
    if (kind !== 'operations' && kind !== 'operationresults') return undefined;
    const op = operations.get(path[3] ?? '');
    if (!op) return undefined;
    if (kind === 'operations') {
      return {
        status: 200,
        body: {
          id: op.id,
          name: op.id,
          status: op.status,
          startTime: op.startTime,
          ...(op.endTime ? { endTime: op.endTime } : {}),
          ...(op.error ? { error: op.error } : {}),
        },
      };
    }
    if (op.status === 'InProgress')
      return { status: 202, headers: { 'Retry-After': ctx.delays.provisionMs >= 1000 ? '1' : '0' } };
    if (op.status === 'Failed') return { status: 400, body: { error: op.error } };
    return { status: 204 };
  }

  function resourceGroupRequest(method: string, sub: string, name: string, body: unknown): ArmResponse {
    if (method === 'GET' || method === 'HEAD') {
      const rg = groups.get(sub, name);
      if (!rg)
        return method === 'HEAD'
          ? { status: 404 }
          : host.error(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
      return method === 'HEAD' ? { status: 204 } : { status: 200, body: groups.toArm(sub, rg) };
    }
    if (method === 'PUT' || method === 'PATCH') {
      const b = (body ?? {}) as { location?: unknown; tags?: unknown };
      const existing = groups.get(sub, name);
      if (method === 'PATCH' && !existing)
        return host.error(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
      const location = typeof b.location === 'string' ? b.location : existing?.location;
      if (!location)
        return host.error(
          400,
          'LocationRequired',
          "The location property is required for this definition: body.location, e.g. 'westeurope'.",
        );
      if (!/^[-\w._()]{1,90}$/.test(name) || name.endsWith('.'))
        return host.error(
          400,
          'InvalidResourceGroup',
          `The provided resource group name '${name}' has these invalid characters or length: 1-90 letters, digits, '-', '_', '.', '(', ')', not ending in '.'.`,
        );
      if (existing && existing.location.toLowerCase() !== location.toLowerCase().replace(/\s/g, ''))
        return host.error(
          409,
          'InvalidResourceGroupLocation',
          `Invalid resource group location '${location}'. The Resource group already exists in location '${existing.location}'.`,
        );
      const tags = b.tags && typeof b.tags === 'object' ? (b.tags as Record<string, string>) : undefined;
      const { created, rg } = groups.put(sub, {
        name,
        location: location.toLowerCase().replace(/\s/g, ''),
        ...(tags ? { tags } : {}),
      });
      return { status: created ? 201 : 200, body: groups.toArm(sub, rg) };
    }
    if (method === 'DELETE') {
      const rg = groups.get(sub, name);
      if (!rg)
        return host.error(404, 'ResourceGroupNotFound', `Resource group '${name}' could not be found.`);
      const op = host.startOperation({
        namespace: 'Microsoft.Resources',
        location: rg.location,
        work: async () => {
          for (const p of providers.values()) await p.deleteResourceGroup?.(sub, rg.name);
          groups.delete(sub, name);
        },
      });
      return { status: 202, headers: op.headers };
    }
    return host.error(405, 'MethodNotAllowed', `${method} is not allowed on a resource group.`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, ctx.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  baseUrl = `https://${ctx.host}:${port}`;

  return {
    baseUrl,
    host,
    resourceGroups: groups,
    addProvider(p) {
      providers.set(p.namespace.toLowerCase(), p);
    },
    async close() {
      await operations.settle();
      for (const p of providers.values()) await p.close?.();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
