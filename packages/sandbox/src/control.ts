import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultRegistry } from './arm/faults.ts';
import type { FederatedCredential } from './arm/federated.ts';
import { armError, readBody, sendJson } from './arm/http.ts';
import { checkDelays } from './delays.ts';
import type { Delays, FaultRule, RequestRecord } from './types.ts';

export interface ControlTarget {
  clientSecret: string;
  faults: FaultRegistry;
  setDelays(d: Partial<Delays>): Delays;
  requests(): RequestRecord[];
  resetRequests(): void;
  federatedCredentials?: {
    add(fc: FederatedCredential): void;
    list(): FederatedCredential[];
    clear(): void;
  };
}

/**
 * The control API (`/_sandbox/...`): faults, delays and the request log, for tests and demos
 * driving a sandbox in another process. Auth: `Authorization: Bearer <clientSecret>`.
 */
export function controlHandler(t: ControlTarget) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const given = Buffer.from(req.headers.authorization?.replace(/^Bearer /i, '') ?? '');
    const secret = Buffer.from(t.clientSecret);
    if (given.length !== secret.length || !timingSafeEqual(given, secret)) {
      sendJson(
        res,
        401,
        armError(
          'AuthenticationFailed',
          "The control API needs 'Authorization: Bearer <sandbox clientSecret>' (see profile.json).",
        ),
      );
      return;
    }
    const route = `${req.method} ${url.pathname}`;
    try {
      if (route === 'GET /_sandbox/requests') return sendJson(res, 200, { value: t.requests() });
      if (route === 'DELETE /_sandbox/requests') {
        t.resetRequests();
        return sendJson(res, 204, undefined);
      }
      if (route === 'GET /_sandbox/faults') return sendJson(res, 200, { value: t.faults.list() });
      if (route === 'POST /_sandbox/faults') {
        const rule = JSON.parse((await readBody(req)) || 'null') as FaultRule;
        t.faults.add(rule);
        return sendJson(res, 201, rule);
      }
      if (route === 'DELETE /_sandbox/faults') {
        t.faults.clear();
        return sendJson(res, 204, undefined);
      }
      const fcs = t.federatedCredentials;
      if (fcs && route === 'GET /_sandbox/federated-credentials')
        return sendJson(res, 200, { value: fcs.list() });
      if (fcs && route === 'POST /_sandbox/federated-credentials') {
        const fc = JSON.parse((await readBody(req)) || 'null') as FederatedCredential;
        fcs.add(fc);
        return sendJson(res, 201, fcs.list().at(-1));
      }
      if (fcs && route === 'DELETE /_sandbox/federated-credentials') {
        fcs.clear();
        return sendJson(res, 204, undefined);
      }
      if (route === 'PUT /_sandbox/delays') {
        const d = JSON.parse((await readBody(req)) || '{}') as Partial<Delays>;
        return sendJson(res, 200, t.setDelays(checkDelays(d, 'PUT /_sandbox/delays body')));
      }
    } catch (err) {
      return sendJson(res, 400, armError('InvalidRequestContent', (err as Error).message));
    }
    sendJson(res, 404, armError('NotFound', `Unknown control route ${route}; see docs/sandbox.md.`));
  };
}
