// The variables a spec's `${NAME}` placeholders see: the job's environment, what a sandbox
// profile publishes (its subscription, resource group, cluster, hub), the login inputs, the
// `vars` input and the deployment payload's args, later ones winning.
import type { CloudProfile } from '@dove/deploy-core';

export function cloudVariables(cloud: CloudProfile): Record<string, string> {
  const s = cloud.sandbox;
  if (!s) return {};
  const cluster = Object.keys(s.kubeconfigs)[0];
  const hub = Object.entries(s.iotHubs)[0];
  return {
    AZURE_SUBSCRIPTION_ID: s.subscriptionId,
    AZURE_TENANT_ID: s.tenantId,
    AZURE_RESOURCE_GROUP: s.resourceGroups[0] ?? 'dove-sandbox',
    AZURE_LOCATION: s.location,
    ...(cluster ? { AKS_CLUSTER: cluster } : {}),
    ...(hub ? { IOT_HUB: hub[0], IOT_HUB_CONNECTION_STRING: hub[1].connectionString } : {}),
  };
}

export function specVariables(o: {
  cloud: CloudProfile;
  subscriptionId: string;
  tenantId: string;
  vars: Record<string, string>;
  payloadVars: Record<string, string>;
  version?: string;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (typeof v === 'string' && !k.startsWith('INPUT_')) env[k] = v;
  return {
    ...env,
    ...cloudVariables(o.cloud),
    ...(o.subscriptionId ? { AZURE_SUBSCRIPTION_ID: o.subscriptionId } : {}),
    ...(o.tenantId ? { AZURE_TENANT_ID: o.tenantId } : {}),
    ...o.vars,
    ...o.payloadVars,
    ...(o.version ? { DOVE_MODEL_VERSION: o.version } : {}),
  };
}
