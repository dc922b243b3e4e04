/**
 * A cloud profile names every endpoint Dove talks to. Nothing else in Dove hard-codes an
 * endpoint: public Azure, the sovereign clouds and the local sandbox are all profiles.
 */
export interface CloudProfile {
  /** e.g. `AzureCloud`, `AzureUSGovernment`, `AzureChinaCloud`, `sandbox` */
  name: string;
  /** Azure Resource Manager endpoint, e.g. `https://management.azure.com` */
  armEndpoint: string;
  /** Token scope for ARM; defaults to `${armEndpoint}/.default` */
  armScope?: string;
  /** Microsoft Entra authority host, e.g. `https://login.microsoftonline.com` */
  authorityHost: string;
  /** IoT Hub host name suffix, e.g. `azure-devices.net` */
  iotHubHostSuffix: string;
  /** Storage endpoint suffix, e.g. `core.windows.net` */
  storageEndpointSuffix: string;
  /** PEM of an extra CA to trust for this cloud's endpoints (the sandbox's own CA). */
  caCert?: string;
  /** Path of that PEM, when it came from a file. */
  caCertPath?: string;
  /**
   * An /etc/hosts-style file of names this cloud resolves privately (the sandbox's container
   * groups and load balancers; private DNS zones). Dove's HTTP calls consult it before DNS.
   */
  hostsFile?: string;
  /** Sandbox only: what a local emulator publishes so clients can log in and connect. */
  sandbox?: SandboxProfileExtras;
}

export interface SandboxProfileExtras {
  /** Directory holding the sandbox's state and this profile. */
  stateDir: string;
  /** PID of the sandbox process (to stop it). */
  pid: number;
  tenantId: string;
  subscriptionId: string;
  /** A service principal the sandbox's token endpoint accepts (client secret flow). */
  clientId: string;
  clientSecret: string;
  /** Resource groups that exist at start. */
  resourceGroups: string[];
  /** Default location for resources. */
  location: string;
  /** IoT hubs by name: `HostName=...;SharedAccessKeyName=...;SharedAccessKey=...` and the real address. */
  iotHubs: Record<string, { connectionString: string; host: string; port: number }>;
  /** Kubeconfig files for clusters that exist at start, by cluster name. */
  kubeconfigs: Record<string, string>;
  /** Storage account (Azurite) for the model store and blob locks. */
  storage?: { accountName: string; connectionString: string; blobEndpoint: string };
  /** Control endpoint for faults and delays (see docs/sandbox.md). */
  controlUrl: string;
}
