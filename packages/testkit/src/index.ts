export * from './azurite.ts';
