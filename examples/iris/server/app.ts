// The HTTP side of the scoring server: the Azure ML inference server's contract
// (GET / health, POST /score, GET /swagger.json, request id headers, optional key auth).
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseScoreInput } from './input.ts';
import { predict } from './model.ts';
import type { LoadedModel } from './model-source.ts';
import { swaggerDocument } from './swagger.ts';

export type Fault = 'crash-on-start' | 'score-500' | 'slow-health';
export const FAULTS: readonly Fault[] = ['crash-on-start', 'score-500', 'slow-health'];

export interface AppOptions {
  loaded: LoadedModel;
  /** Accepted keys; empty means no auth. */
  keys: string[];
  fault?: Fault;
  /** How long a `slow-health` health check takes to answer. */
  slowHealthMs: number;
  log(line: string): void;
}

const MAX_BODY_BYTES = 1024 * 1024;

function keyMatches(given: string, keys: string[]): boolean {
  const g = Buffer.from(given);
  return keys.some((k) => {
    const b = Buffer.from(k);
    return b.length === g.length && timingSafeEqual(b, g);
  });
}

/** `/api/v1/service/<name>/score` (the AKS form of the URI) is `/score` here. */
function routeOf(url: string): string {
  const path = url.split('?')[0] ?? '/';
  const stripped = path.replace(/^\/api\/v1\/service\/[^/]+/, '');
  return stripped === '' ? '/' : stripped;
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createApp(options: AppOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { loaded, keys, fault, log } = options;
  const swagger = JSON.stringify(swaggerDocument(loaded, keys.length > 0));

  return (req, res) => {
    const started = performance.now();
    const clientId = req.headers['x-ms-client-request-id'];
    const given = req.headers['x-request-id'] ?? clientId;
    const requestId = (Array.isArray(given) ? given[0] : given) || randomUUID();
    res.setHeader('x-request-id', requestId);
    res.setHeader('x-ms-client-request-id', (Array.isArray(clientId) ? clientId[0] : clientId) || requestId);
    res.setHeader('x-ms-model-version', loaded.version);
    const route = routeOf(req.url ?? '/');
    res.on('finish', () => {
      const ms = (performance.now() - started).toFixed(1);
      log(`${req.method} ${route} ${res.statusCode} ${ms}ms request-id=${requestId}`);
    });

    const send = (status: number, body: unknown, type = 'application/json') => {
      const text = typeof body === 'string' && type !== 'application/json' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'content-type': `${type}; charset=utf-8`,
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    const wrongMethod = (allow: string) => {
      res.setHeader('allow', allow);
      send(405, { error: `${req.method} is not allowed on ${route}; use ${allow}` });
    };

    if (route === '/') {
      if (req.method !== 'GET' && req.method !== 'HEAD') return wrongMethod('GET');
      const answer = () => send(200, 'Healthy', 'text/plain');
      if (fault === 'slow-health') {
        setTimeout(answer, options.slowHealthMs).unref();
        return;
      }
      return answer();
    }
    if (route === '/swagger.json') {
      if (req.method !== 'GET') return wrongMethod('GET');
      return send(200, JSON.parse(swagger));
    }
    if (route === '/score') {
      if (req.method !== 'POST') return wrongMethod('POST');
      if (keys.length > 0) {
        const auth = req.headers.authorization ?? '';
        const match = /^Bearer\s+(.+)$/i.exec(auth);
        if (!match || !keyMatches((match[1] ?? '').trim(), keys)) {
          res.setHeader('www-authenticate', 'Bearer');
          return send(401, {
            error: 'a valid key is required: send the header "Authorization: Bearer <key>"',
          });
        }
      }
      readBody(req).then(
        (text) => {
          if (text === undefined)
            return send(413, {
              error: `the body is larger than ${MAX_BODY_BYTES} bytes; send fewer rows per request`,
            });
          if (fault === 'score-500')
            return send(500, { error: 'scoring failed (DOVE_FAULT=score-500 is set)' });
          const parsed = parseScoreInput(text, loaded.model);
          if ('error' in parsed) return send(400, { error: parsed.error });
          const predictions = parsed.rows.map((row) => predict(loaded.model, row));
          return send(200, {
            result: predictions.map((p) => p.label),
            probabilities: predictions.map((p) => p.probabilities.map((v) => Number(v.toFixed(6)))),
            classes: loaded.model.classes,
          });
        },
        (err: Error) => send(400, { error: `could not read the body: ${err.message}` }),
      );
      return;
    }
    send(404, { error: `no route ${route}; this server answers GET /, POST /score and GET /swagger.json` });
  };
}
