export * from './errors.ts';
export * from './images/index.ts';
export * from './net/index.ts';
export * from './tls.ts';
export type * from './types.ts';
