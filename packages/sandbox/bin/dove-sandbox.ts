// Starts a sandbox in the foreground: `dove-sandbox [--state-dir DIR] [--preset test|demo] [--port N] [--no-storage]`.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSandbox } from '../src/sandbox.ts';

const usage = 'usage: dove-sandbox [--state-dir DIR] [--preset test|demo] [--port N] [--no-storage]';
let values: { 'state-dir'?: string; preset?: string; port?: string; 'no-storage'?: boolean; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      'state-dir': { type: 'string' },
      preset: { type: 'string' },
      port: { type: 'string' },
      'no-storage': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  process.stderr.write(`dove-sandbox: ${(err as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const preset = values.preset ?? 'demo';
if (preset !== 'test' && preset !== 'demo') {
  process.stderr.write(`dove-sandbox: --preset must be test or demo, got '${preset}'\n`);
  process.exit(2);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
  process.stderr.write(`dove-sandbox: --port must be a port number (1-65535), got '${values.port}'\n`);
  process.exit(2);
}
const stateDir = resolve(values['state-dir'] ?? '.dove-sandbox');

const sandbox = await startSandbox({
  stateDir,
  preset,
  storage: !values['no-storage'],
  ...(port ? { port } : {}),
  log: (line) => process.stderr.write(`${line}\n`),
});
const p = sandbox.profile;
process.stdout.write(
  [
    `Dove sandbox running (pid ${process.pid}, preset ${preset})`,
    `  profile:   ${sandbox.profilePath}`,
    `  ARM:       ${p.armEndpoint}`,
    `  Entra ID:  ${p.authorityHost}/${p.sandbox.tenantId}`,
    `  control:   ${p.sandbox.controlUrl}`,
    `  clusters:  ${Object.keys(p.sandbox.kubeconfigs).join(', ') || '(none)'}`,
    `  IoT hubs:  ${Object.keys(p.sandbox.iotHubs).join(', ') || '(none)'}`,
    `  storage:   ${p.sandbox.storage?.blobEndpoint ?? '(off)'}`,
    'Press Ctrl-C to stop.',
    '',
  ].join('\n'),
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`${signal}: stopping the sandbox...\n`);
  sandbox.stop().then(
    () => {
      process.stdout.write('stopped\n');
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`dove-sandbox: stop failed: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
