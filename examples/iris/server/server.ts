// The iris scoring server. Node built-ins only; runs on Node 24 as TypeScript:
//   node server.ts
// Environment:
//   PORT (default 5001), HOST (default 0.0.0.0)
//   MODEL_PATH     a folder holding model.json (default: the bundled ../model)
//   DOVE_MODEL_URI a model version's folder in Blob Storage; with DOVE_MODEL_SAS (read-only SAS)
//   SCORING_KEYS   comma-separated keys; when set, POST /score needs "Authorization: Bearer <key>"
//   DOVE_PRIMARY_KEY, DOVE_SECONDARY_KEY  the same, as the AKS target's Secret passes them
//   DOVE_FAULT     test hooks that make the server misbehave on purpose:
//                  crash-on-start | score-500 | slow-health (DOVE_FAULT_DELAY_MS, default 30000)
import { createServer } from 'node:http';
import { createApp, FAULTS, type Fault } from './app.ts';
import { loadModel, ModelLoadError } from './model-source.ts';

const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const fail = (line: string): never => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  process.exit(1);
};

const fault = process.env.DOVE_FAULT?.trim() || undefined;
if (fault && !FAULTS.includes(fault as Fault))
  fail(`DOVE_FAULT=${fault} is not a known fault; expected one of ${FAULTS.join(', ')}`);
if (fault === 'crash-on-start') fail('crashing on start on purpose (DOVE_FAULT=crash-on-start)');

const port = Number(process.env.PORT ?? 5001);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT=${process.env.PORT} is not a port number`);
const host = process.env.HOST?.trim() || '0.0.0.0';
// ACI passes SCORING_KEYS; AKS and FPGA pass the keys from a Kubernetes Secret as
// DOVE_PRIMARY_KEY / DOVE_SECONDARY_KEY. Either (or both) turn key auth on.
const keys = [
  ...(process.env.SCORING_KEYS ?? '').split(','),
  process.env.DOVE_PRIMARY_KEY ?? '',
  process.env.DOVE_SECONDARY_KEY ?? '',
]
  .map((k) => k.trim())
  .filter(Boolean);

let loaded: Awaited<ReturnType<typeof loadModel>>;
try {
  loaded = await loadModel(process.env);
} catch (err) {
  if (err instanceof ModelLoadError) fail(`refusing to serve: ${err.message}`);
  throw err;
}
const { training } = loaded.model;
log(
  `model ${loaded.name} ${loaded.version} loaded from ${loaded.source} (${loaded.files} file(s), ` +
    `training accuracy ${training.accuracy})`,
);

const server = createServer(
  createApp({
    loaded,
    keys,
    fault: fault as Fault | undefined,
    slowHealthMs: Number(process.env.DOVE_FAULT_DELAY_MS ?? 30_000),
    log,
  }),
);
server.listen(port, host, () => {
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  log(
    `listening on http://${host}:${actual} (key auth ${keys.length > 0 ? 'on' : 'off'}${fault ? `, fault ${fault}` : ''})`,
  );
});

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    log(`${signal}: shutting down`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
