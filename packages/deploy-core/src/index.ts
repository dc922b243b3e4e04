export type * from './cloud.ts';
export type * from './contract.ts';
export type * from './events.ts';
export type * from './spec/types.ts';
