// The bot as a process: settings from the environment (see docs/bot.md), SIGTERM stops it cleanly.
import { readFileSync } from 'node:fs';
import { loadCloudProfile } from '@dove/deploy-core';
import { startBot } from './server.ts';

/** Spec variables the bot offers: only `DOVE_VAR_<NAME>` settings, never its own environment. */
export function variablesFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (k.startsWith('DOVE_VAR_') && k.length > 9 && typeof v === 'string') out[k.slice(9)] = v;
  return out;
}

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const privateKey =
    env.PRIVATE_KEY?.replace(/\\n/g, '\n') ??
    (env.PRIVATE_KEY_PATH ? readFileSync(env.PRIVATE_KEY_PATH, 'utf8') : '');
  const bot = await startBot({
    appId: env.APP_ID ?? '',
    privateKey,
    webhookSecret: env.WEBHOOK_SECRET ?? '',
    ...(env.GITHUB_API_URL ? { baseUrl: env.GITHUB_API_URL } : {}),
    port: Number(env.PORT ?? 3000),
    host: env.HOST ?? '0.0.0.0',
    cloud: loadCloudProfile(env.DOVE_CLOUD_PROFILE),
    variables: variablesFromEnv(env),
    ...(env.DOVE_BOT_INSTANCE ? { instance: env.DOVE_BOT_INSTANCE } : {}),
    logLevel: (env.LOG_LEVEL as 'info') ?? 'info',
    // GitHub Enterprise without rate limits (or a local API) may turn Octokit's write spacing off.
    ...(env.GITHUB_THROTTLE === 'false' ? { throttle: false } : {}),
    ...(env.DOVE_BOT_COMMENT_INTERVAL_MS
      ? { commentIntervalMs: Number(env.DOVE_BOT_COMMENT_INTERVAL_MS) }
      : {}),
  });
  const stop = () => {
    void bot.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return bot;
}
