// What the bot brings to a deploy besides the spec: the cloud's own variables (against the
// sandbox, its subscription, resource group, cluster and hub) and the values to mask.
import type { CloudProfile } from '@dove/deploy-core';

/** Variables a spec can use against a cloud: the sandbox fills in its own ids and names. */
export function cloudVariables(cloud: CloudProfile): Record<string, string> {
  const s = cloud.sandbox;
  if (!s) return {};
  const cluster = Object.keys(s.kubeconfigs)[0];
  const [hub] = Object.entries(s.iotHubs);
  return {
    AZURE_SUBSCRIPTION_ID: s.subscriptionId,
    AZURE_TENANT_ID: s.tenantId,
    AZURE_RESOURCE_GROUP: s.resourceGroups[0] ?? 'dove-sandbox',
    AZURE_LOCATION: s.location,
    ...(cluster ? { AKS_CLUSTER: cluster } : {}),
    ...(hub ? { IOT_HUB: hub[0], IOT_HUB_CONNECTION_STRING: hub[1].connectionString } : {}),
  };
}

const SECRET_NAME = /SECRET|PASSWORD|TOKEN|KEY|CONNECTION|SAS|CREDENTIAL/i;

/** Values that must never reach a comment, a status or a log line. */
export function secretValues(cloud: CloudProfile, variables: Record<string, string>): string[] {
  const out: string[] = [];
  const s = cloud.sandbox;
  if (s) {
    out.push(s.clientSecret);
    for (const hub of Object.values(s.iotHubs)) {
      out.push(hub.connectionString);
      const key = /SharedAccessKey=([^;]+)/.exec(hub.connectionString)?.[1];
      if (key) out.push(key);
    }
    if (s.storage) out.push(s.storage.connectionString);
  }
  for (const [name, value] of Object.entries(variables)) if (SECRET_NAME.test(name)) out.push(value);
  return out.filter((v) => typeof v === 'string' && v.length >= 6);
}

/** Replaces every secret (and anything shaped like a key or bearer token) with ***. */
export function createMask(initial: string[] = []) {
  const secrets = new Set(initial);
  const mask = (text: string): string => {
    let out = text;
    for (const s of [...secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join('***');
    return out
      .replace(/(SharedAccessKey=)[^;\s]+/gi, '$1***')
      .replace(/(AccountKey=)[^;\s]+/gi, '$1***')
      .replace(/([?&]sig=)[^&\s]+/gi, '$1***')
      .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]{12,}/g, '$1***');
  };
  return {
    add(value: string | undefined) {
      if (value && value.length >= 4) secrets.add(value);
    },
    mask,
  };
}
export type Mask = ReturnType<typeof createMask>;
