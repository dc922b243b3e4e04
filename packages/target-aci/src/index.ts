export { aciClient, type ClientTuning } from './client.ts';
export { KEYS_VAR, TAG } from './definition.ts';
export { type AciErrorCode, AciTargetError } from './errors.ts';
export { REGION_MAXIMA, regionMaxima } from './limits.ts';
export { deriveDnsLabel, deriveGroupName } from './names.ts';
export { type AciDesired, type AciOptions, type AciPlan, type AciPrevious, aci } from './plugin.ts';
export { type AciConfig, aciConfigSchema } from './schema.ts';
