// Starts the bot: a real Probot app behind Node's HTTP server, with /healthz, pino logs and
// restart recovery. The GitHub API it talks to is `baseUrl` (GitHub Enterprise, or a local stand-in).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { TokenCredential } from '@azure/core-auth';
import { type CloudProfile, createCredential } from '@dove/deploy-core';
import { type Logger, pino } from 'pino';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { createApp } from './app.ts';
import { cloudVariables, createMask, secretValues } from './azure.ts';
import { type RecoveryReport, recover } from './recover.ts';
import type { BotRuntime } from './run.ts';
import { loadTargets } from './targets.ts';
import { Tracker } from './tracker.ts';

export const WEBHOOK_PATH = '/api/github/webhooks';

export interface BotOptions {
  appId: number | string;
  /** the GitHub App's private key (PEM) */
  privateKey: string;
  /** the webhook secret set on the GitHub App; required */
  webhookSecret: string;
  /** GitHub API URL; default https://api.github.com */
  baseUrl?: string;
  port?: number;
  host?: string;
  cloud: CloudProfile;
  /** default: the cloud's credential chain (managed identity, workload identity, env, CLI) */
  credential?: TokenCredential;
  /** spec variables the bot provides (e.g. from DOVE_VAR_* settings) */
  variables?: Record<string, string>;
  /** this instance's name (default: the host name); keep it stable across restarts */
  instance?: string;
  log?: Logger;
  logLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** minimum time between edits of a status comment while a deploy runs (default 1000 ms) */
  commentIntervalMs?: number;
  /** Octokit's write throttling (default on, as GitHub asks of apps) */
  throttle?: boolean;
  /** look for deployments a previous run left in progress (default true) */
  recover?: boolean;
}

export interface RunningBot {
  url: string;
  webhookUrl: string;
  instance: string;
  probot: Probot;
  /** the restart recovery's outcome (resolves after start; the bot serves webhooks meanwhile) */
  recovered: Promise<RecoveryReport | undefined>;
  /** commands and follow-ups running now */
  inFlight(): number;
  /** resolves when no command is running */
  idle(): Promise<void>;
  /** stops taking webhooks, cancels running deploys (they roll back and report), waits for them */
  close(): Promise<void>;
}

/** Refuses what would make the bot unsafe to run; the message says what to set. */
export function checkBotOptions(o: Partial<BotOptions>): void {
  const problems: string[] = [];
  if (!o.webhookSecret)
    problems.push(
      'WEBHOOK_SECRET is not set: the bot refuses to accept unsigned webhooks. Set it to the secret of the GitHub App.',
    );
  else if (o.webhookSecret === 'development' || o.webhookSecret.length < 8)
    problems.push(
      'WEBHOOK_SECRET is too weak (at least 8 characters, not "development"). Generate one: openssl rand -hex 32.',
    );
  if (!o.appId || !/^\d+$/.test(String(o.appId)))
    problems.push('APP_ID must be the numeric id of the GitHub App (its settings page shows it).');
  if (!o.privateKey?.includes('PRIVATE KEY'))
    problems.push('PRIVATE_KEY (or PRIVATE_KEY_PATH) must hold the GitHub App private key in PEM form.');
  if (problems.length > 0) throw new Error(`The Dove bot cannot start:\n- ${problems.join('\n- ')}`);
}

export async function startBot(o: BotOptions): Promise<RunningBot> {
  checkBotOptions(o);
  const instance = o.instance ?? hostname();
  const variables = { ...cloudVariables(o.cloud), ...o.variables };
  const mask = createMask(secretValues(o.cloud, variables));
  const log =
    o.log ??
    pino({
      level: o.logLevel ?? 'info',
      base: { app: 'dove-bot', instance },
      redact: {
        paths: ['*.privateKey', '*.webhookSecret', '*.token', 'req.headers.authorization'],
        censor: '***',
      },
      hooks: {
        // Masks secrets in messages too, not only in known fields.
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? mask.mask(a) : a)) as never);
        },
      },
    });
  const throttle = o.throttle ?? true;
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    throttle: { ...(options.throttle as object), enabled: throttle },
  }));
  const probot = new Probot({
    appId: o.appId,
    privateKey: o.privateKey,
    secret: o.webhookSecret,
    ...(o.baseUrl ? { baseUrl: o.baseUrl } : {}),
    log: log.child({ name: 'probot' }),
    Octokit,
  });
  const shutdown = new AbortController();
  const tracker = new Tracker();
  const rt: BotRuntime = {
    cloud: o.cloud,
    credential: o.credential ?? createCredential(o.cloud),
    targets: await loadTargets(),
    variables,
    instance,
    log,
    commentIntervalMs: o.commentIntervalMs ?? 1000,
    signal: shutdown.signal,
    active: new Set(),
  };
  for (const u of rt.targets.unavailable)
    log.warn({ kind: u.kind }, `target ${u.kind} not available: ${u.reason}`);
  const middleware = await createNodeMiddleware(createApp(rt, tracker), {
    probot,
    webhooksPath: WEBHOOK_PATH,
  });

  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      // With node --expose-gc, `?gc=1` collects first, so the figure is what is really retained.
      if (req.url?.endsWith('?gc=1')) (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      res.end(
        JSON.stringify({
          status: 'ok',
          instance,
          inFlight: tracker.size,
          memory: { rssMB: +(m.rss / 2 ** 20).toFixed(1), heapUsedMB: +(m.heapUsed / 2 ** 20).toFixed(1) },
        }),
      );
      return;
    }
    void Promise.resolve(middleware(req, res)).then((handled) => {
      if (!handled && !res.headersSent) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'not found' }));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 3000, o.host ?? '0.0.0.0', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  log.info({ url, webhookPath: WEBHOOK_PATH, cloud: o.cloud.name }, 'dove bot listening');

  const recovered =
    o.recover === false
      ? Promise.resolve(undefined)
      : recover(probot, rt, log).then(
          (r) => {
            log.info(
              {
                repositories: r.repositories,
                interrupted: r.interrupted.length,
                released: r.released.length,
              },
              'restart recovery done',
            );
            return r;
          },
          (e) => {
            log.error({ err: e }, 'restart recovery failed');
            return undefined;
          },
        );

  return {
    url,
    webhookUrl: `${url}${WEBHOOK_PATH}`,
    instance,
    probot,
    recovered,
    inFlight: () => tracker.size,
    idle: () => tracker.idle(),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      shutdown.abort(new Error('the Dove bot is shutting down'));
      await recovered;
      await tracker.idle();
    },
  };
}
