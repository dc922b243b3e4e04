export * from './loopback.ts';
