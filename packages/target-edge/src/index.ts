export { type HubAddress, hubRegistry } from './client.ts';
export { EdgeError } from './errors.ts';
export {
  buildManifest,
  chunkCreateOptions,
  createOptions,
  defaultRoutes,
  type ModulesContent,
} from './manifest.ts';
export { configurationId, LABEL } from './names.ts';
export { type EdgeDesired, type EdgePrevious, edge } from './plugin.ts';
export { type EdgeConfig, edgeConfigSchema } from './schema.ts';
export { MAX_DESIRED_BYTES, MAX_LAYERED_MODULES, MAX_MODULES, validateManifest } from './validate.ts';
