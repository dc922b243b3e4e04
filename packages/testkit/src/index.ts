export * from './azurite.ts';
export * from './github/oidc.ts';
export * from './github/server.ts';
export * from './github/state.ts';
export * from './github/webhooks.ts';
