export * from './arm/index.ts';
export * from './delays.ts';
export * from './errors.ts';
export * from './images/index.ts';
export * from './net/index.ts';
export type * from './profile.ts';
export * from './sandbox.ts';
export * from './tls.ts';
export type * from './types.ts';
