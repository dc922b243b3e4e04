import { Agent } from 'node:https';
import { createRequire } from 'node:module';
import type { Registry as RegistryType } from 'azure-iothub';
import iothub from 'azure-iothub';

const require = createRequire(import.meta.url);
// The SDK's own HTTP layer; its public constructors accept a replacement, which is how a hub
// at a private address (another port, a private CA) is reached with the SDK unchanged.
const { Http } = require('azure-iothub/dist/common-http/http.js') as {
  Http: new () => { setOptions(o: unknown): void };
};
const { RestApiClient } = require('azure-iothub/dist/common-http/rest_api_client.js') as {
  RestApiClient: new (config: unknown, userAgent: string, http?: unknown) => unknown;
};

/** Where the hub really listens when its host name does not resolve publicly (the sandbox). */
export interface HubAddress {
  host: string;
  port: number;
  ca?: string;
}

/**
 * An `azure-iothub` Registry for a connection string. With an address, every request goes to
 * that host and port (TLS still checks the hub's name against the certificate).
 */
export function hubRegistry(connectionString: string, address?: HubAddress): RegistryType {
  const cn = iothub.ConnectionString.parse(connectionString);
  if (!cn.HostName || !cn.SharedAccessKeyName || !cn.SharedAccessKey)
    throw new Error('The IoT Hub connection string needs HostName, SharedAccessKeyName and SharedAccessKey.');
  if (!address) return iothub.Registry.fromConnectionString(connectionString);
  const agent = new Agent({
    keepAlive: true,
    defaultPort: address.port,
    ...(address.ca ? { ca: address.ca } : {}),
    // The hub's name is kept for SNI and certificate checks; only the address changes.
    lookup: ((_host: string, opts: { all?: boolean }, cb: (...a: unknown[]) => void) =>
      opts?.all ? cb(null, [{ address: address.host, family: 4 }]) : cb(null, address.host, 4)) as never,
  });
  class PinnedHttp extends Http {
    override setOptions(options: { http?: Record<string, unknown> } | undefined): void {
      super.setOptions({ ...options, http: { ...options?.http, agent } });
    }
  }
  const http = new PinnedHttp();
  http.setOptions({});
  const config = {
    host: cn.HostName,
    sharedAccessSignature: iothub.SharedAccessSignature.create(
      cn.HostName,
      cn.SharedAccessKeyName,
      cn.SharedAccessKey,
      Date.now(),
    ),
  };
  return new iothub.Registry(config as never, new RestApiClient(config, 'dove-target-edge', http) as never);
}
