export { type AksConfig, AZUREML_PROBE, configSchema, DOVE_PROBE } from './config.ts';
export type { WorkloadExtension } from './extension.ts';
export { type AksOptions, aks } from './plugin.ts';
export { RolloutError } from './rollout.ts';
