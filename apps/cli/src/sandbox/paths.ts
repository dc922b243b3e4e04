import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where `dove sandbox` keeps its state: DOVE_SANDBOX_DIR, else ~/.dove/sandbox. */
export function sandboxDir(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.DOVE_SANDBOX_DIR?.trim();
  return dir ? resolve(dir) : join(homedir(), '.dove', 'sandbox');
}

export const profileFile = (dir: string) => join(dir, 'profile.json');
export const logFile = (dir: string) => join(dir, 'sandbox.log');
