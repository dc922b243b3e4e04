export { createAciProvider } from './provider.ts';
export { REGION_MAX } from './validate.ts';
