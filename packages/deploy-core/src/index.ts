export type * from './cloud.ts';
export type * from './contract.ts';
export * from './errors.ts';
export * from './events.ts';
export type * from './spec/types.ts';
