/**
 * The cloud profile the sandbox writes. Structurally the same as `CloudProfile` in deploy-core
 * (which the sandbox may not import: core depends on the sandbox, not the reverse).
 */
export interface SandboxCloudProfile {
  name: string;
  armEndpoint: string;
  armScope?: string;
  authorityHost: string;
  iotHubHostSuffix: string;
  storageEndpointSuffix: string;
  caCert?: string;
  caCertPath?: string;
  hostsFile?: string;
  sandbox: {
    stateDir: string;
    pid: number;
    tenantId: string;
    subscriptionId: string;
    clientId: string;
    clientSecret: string;
    resourceGroups: string[];
    location: string;
    iotHubs: Record<string, { connectionString: string; host: string; port: number }>;
    kubeconfigs: Record<string, string>;
    storage?: { accountName: string; connectionString: string; blobEndpoint: string };
    controlUrl: string;
  };
}
