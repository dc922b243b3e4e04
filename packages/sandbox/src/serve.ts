import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiFamily, Handler, SandboxContext } from './types.ts';

const ERROR_CODES: Record<number, string> = {
  429: 'TooManyRequests',
  500: 'InternalServerError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

/**
 * Wraps a server's handler the way the ARM server is wrapped: fault rules first, then the
 * handler, and every answer in the request log. Every API the sandbox serves (Kubernetes, IoT
 * Hub, scoring forwards) should go through this, so faults and counts work the same everywhere.
 * `faultBody` shapes the injected error (default: Azure's `{ error: { code, message } }`).
 */
export function withFaultsAndLog(
  ctx: SandboxContext,
  api: ApiFamily,
  handler: Handler,
  faultBody: (status: number) => unknown = (status) => ({
    error: {
      code: ERROR_CODES[status] ?? 'Error',
      message: `Injected by the sandbox's fault rules (${status}).`,
    },
  }),
): Handler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    res.on('finish', () => ctx.record({ api, method, path, status: res.statusCode, at: Date.now() }));
    const fault = ctx.faultFor(api, req);
    if (fault?.type === 'drop') {
      ctx.record({ api, method, path, status: 0, at: Date.now() });
      req.socket.destroy();
      return;
    }
    if (fault?.type === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.type === 'status') {
      const text = JSON.stringify(faultBody(fault.status));
      res.writeHead(fault.status, {
        'content-type': 'application/json',
        ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
      });
      res.end(text);
      return;
    }
    await handler(req, res);
  };
}
