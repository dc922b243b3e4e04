export * from './rig.ts';
export * from './safety.ts';
