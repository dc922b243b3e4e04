export { createApp } from './app.ts';
export { type Command, helpText, parseCommand } from './commands/parse.ts';
export { type BotConfig, CONFIG_PATH, parseConfig, rulesFor } from './config.ts';
export { GitHubLockStore, type LockRecord, lockRefName } from './lock.ts';
export { main, variablesFromEnv } from './main.ts';
export type { RecoveryReport } from './recover.ts';
export type { DoveBotPayload, DoveWorkflowPayload } from './run.ts';
export { type BotOptions, checkBotOptions, type RunningBot, startBot, WEBHOOK_PATH } from './server.ts';
