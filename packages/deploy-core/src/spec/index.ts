export * from './hash.ts';
export * from './load.ts';
export * from './resolve.ts';
export * from './schema.ts';
export type * from './types.ts';
export * from './variables.ts';
