// The floor for figure 6: a bare Probot app whose only handler does nothing, served the same way
// as the Dove bot (Probot's node middleware behind node:http). Settings come from the same
// environment variables; it prints one JSON line with its URL.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';

const env = process.env;
const probot = new Probot({
  appId: env.APP_ID,
  privateKey: env.PRIVATE_KEY,
  secret: env.WEBHOOK_SECRET,
  baseUrl: env.GITHUB_API_URL,
  log: pino({ level: 'warn' }),
  Octokit: ProbotOctokit.defaults((o: Record<string, unknown>) => ({
    ...o,
    throttle: { ...(o.throttle as object), enabled: false },
  })),
});
const middleware = await createNodeMiddleware(
  (app) => {
    app.on('issue_comment.created', async () => {});
  },
  { probot, webhooksPath: '/api/github/webhooks' },
);
const server = createServer((req, res) => {
  if (req.url?.split('?')[0] === '/healthz') {
    // With node --expose-gc, `?gc=1` collects first, so the figure is what is really retained.
    if (req.url?.endsWith('?gc=1')) (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'ok',
        memory: { rssMB: +(m.rss / 2 ** 20).toFixed(1), heapUsedMB: +(m.heapUsed / 2 ** 20).toFixed(1) },
      }),
    );
    return;
  }
  void Promise.resolve(middleware(req, res)).then((handled) => {
    if (!handled && !res.headersSent) res.writeHead(404).end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
