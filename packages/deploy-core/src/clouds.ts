import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ChainedTokenCredential, ClientSecretCredential, DefaultAzureCredential } from '@azure/identity';
import type { CloudProfile } from './cloud.ts';
import type { RequestCounter } from './contract.ts';
import { DoveError } from './errors.ts';

/** The public and sovereign Azure clouds. The sandbox publishes its own profile as a JSON file. */
export const CLOUDS: Record<string, CloudProfile> = {
  AzureCloud: {
    name: 'AzureCloud',
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
    iotHubHostSuffix: 'azure-devices.net',
    storageEndpointSuffix: 'core.windows.net',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
    iotHubHostSuffix: 'azure-devices.us',
    storageEndpointSuffix: 'core.usgovcloudapi.net',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
    iotHubHostSuffix: 'azure-devices.cn',
    storageEndpointSuffix: 'core.chinacloudapi.cn',
  },
};

/**
 * A built-in cloud by name, or a profile JSON file (such as the sandbox's `profile.json`).
 * Defaults to `DOVE_CLOUD_PROFILE`, then AzureCloud.
 */
export function loadCloudProfile(
  nameOrPath: string | undefined = process.env.DOVE_CLOUD_PROFILE,
): CloudProfile {
  const key = nameOrPath ?? 'AzureCloud';
  const builtIn = Object.values(CLOUDS).find((c) => c.name.toLowerCase() === key.toLowerCase());
  if (builtIn) return builtIn;
  const file = resolve(key);
  if (!existsSync(file)) {
    throw new DoveError(
      'DOVE_SETTINGS_INVALID',
      `Unknown cloud "${key}": not a built-in cloud and no such profile file.`,
      {
        hint: `Use one of ${Object.keys(CLOUDS).join(', ')}, or the path of a cloud profile JSON file.`,
      },
    );
  }
  let profile: CloudProfile;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8')) as CloudProfile;
  } catch (e) {
    throw new DoveError(
      'DOVE_SETTINGS_INVALID',
      `Cloud profile ${file} is not valid JSON: ${(e as Error).message}`,
      { location: { file } },
    );
  }
  for (const field of ['name', 'armEndpoint', 'authorityHost'] as const) {
    if (typeof profile[field] !== 'string') {
      throw new DoveError('DOVE_SETTINGS_INVALID', `Cloud profile ${file} has no "${field}".`, {
        location: { file, path: field },
      });
    }
  }
  if (!profile.caCert && profile.caCertPath) profile.caCert = readFileSync(profile.caCertPath, 'utf8');
  return profile;
}

/** The ARM token scope for a cloud. */
export const armScope = (cloud: CloudProfile) => cloud.armScope ?? `${cloud.armEndpoint}/.default`;

/**
 * A credential for the cloud: the sandbox's service principal for a sandbox profile; otherwise
 * `AZURE_CLIENT_ID/TENANT_ID/SECRET` and the rest of `@azure/identity`'s chain (workload
 * identity, managed identity, Azure CLI), all against the cloud's authority host.
 */
export function createCredential(
  cloud: CloudProfile,
  options: { credential?: TokenCredential } = {},
): TokenCredential {
  if (options.credential) return options.credential;
  const tls = cloud.caCert ? { tlsOptions: { ca: cloud.caCert } } : {};
  if (cloud.sandbox) {
    const s = cloud.sandbox;
    return new ClientSecretCredential(s.tenantId, s.clientId, s.clientSecret, {
      authorityHost: cloud.authorityHost,
      disableInstanceDiscovery: true,
      ...tls,
    });
  }
  return new ChainedTokenCredential(
    new DefaultAzureCredential({ authorityHost: cloud.authorityHost, ...tls }),
  );
}

/** A pipeline policy counting every HTTP attempt (retries included) as an ARM read or write. */
export function countingPolicy(requests: RequestCounter, api: 'arm' | 'storage' = 'arm'): PipelinePolicy {
  return {
    name: `doveCount-${api}`,
    sendRequest: (req, next) => {
      requests.count(api, req.method, { url: req.url });
      return next(req);
    },
  };
}

/** Options for any `@azure/arm-*` client: the cloud's endpoint, scope, CA, and request counting. */
export function azureClientOptions(ctx: { cloud: CloudProfile; requests?: RequestCounter }) {
  const { cloud } = ctx;
  return {
    endpoint: cloud.armEndpoint,
    credentialScopes: [armScope(cloud)],
    ...(cloud.caCert ? { tlsOptions: { ca: cloud.caCert } } : {}),
    additionalPolicies: ctx.requests
      ? [{ position: 'perRetry' as const, policy: countingPolicy(ctx.requests) }]
      : [],
  };
}
