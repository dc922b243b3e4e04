// The background process behind `dove sandbox start`: runs the sandbox until SIGTERM/SIGINT,
// then stops it (and every process it started) and removes its profile.
//   node --conditions=@dove/source daemon.ts <stateDir> <preset>
import { rmSync } from 'node:fs';
import { startSandbox } from '@dove/sandbox';
import { profileFile } from './paths.ts';

const [stateDir, preset] = process.argv.slice(2);
if (!stateDir || (preset !== 'test' && preset !== 'demo')) {
  console.error('usage: daemon.ts <stateDir> <test|demo>');
  process.exit(2);
}
const log = (line: string) => process.stdout.write(`${new Date().toISOString()} ${line}\n`);
const sandbox = await startSandbox({ stateDir, preset, log });
log(`sandbox ready: ARM ${sandbox.profile.armEndpoint}, profile ${sandbox.profilePath}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the sandbox`);
  try {
    await sandbox.stop();
  } finally {
    rmSync(profileFile(stateDir), { force: true });
    log('stopped');
    process.exit(0);
  }
};
process.on('SIGTERM', () => void stop('SIGTERM'));
process.on('SIGINT', () => void stop('SIGINT'));
// Keep the event loop alive even if every server is idle.
setInterval(() => {}, 1 << 30);
