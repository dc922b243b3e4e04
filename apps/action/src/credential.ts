// Login to Azure. With `client-id` and `tenant-id`, a GitHub OIDC federated credential: the
// callback asks the runner for a fresh ID token on every token request, so deploys longer than
// the ~10 minutes an OIDC token lives keep working. Otherwise @azure/identity's chain
// (environment, workload identity, managed identity, Azure CLI), or the sandbox's own login.
import * as core from '@actions/core';
import type { TokenCredential } from '@azure/core-auth';
import { ClientAssertionCredential } from '@azure/identity';
import { CLOUDS, type CloudProfile, createCredential, DoveError } from '@dove/deploy-core';

export interface Login {
  credential: TokenCredential;
  /** how it logs in, for the log and the summary (no secret) */
  kind: 'oidc' | 'sandbox' | 'environment';
  /** ID tokens fetched so far (OIDC only) */
  assertions(): number;
}

export function login(
  cloud: CloudProfile,
  o: { clientId: string; tenantId: string; audience: string },
): Login {
  if (!o.clientId) {
    return {
      credential: createCredential(cloud),
      kind: cloud.sandbox ? 'sandbox' : 'environment',
      assertions: () => 0,
    };
  }
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    throw new DoveError(
      'DOVE_AUTH',
      'OIDC login: the job cannot request an ID token (ACTIONS_ID_TOKEN_REQUEST_URL is not set).',
      {
        location: { file: 'workflow', path: 'permissions.id-token' },
        hint: 'Give the job `permissions: id-token: write` (and `contents: read`), or drop `client-id` to use another login.',
      },
    );
  let count = 0;
  const known = Object.values(CLOUDS).some((c) => c.authorityHost === cloud.authorityHost);
  const credential = new ClientAssertionCredential(
    o.tenantId,
    o.clientId,
    async () => {
      count++;
      // A new token each time: never cache it, it expires after about ten minutes.
      return core.getIDToken(o.audience);
    },
    {
      authorityHost: cloud.authorityHost,
      ...(cloud.caCert ? { tlsOptions: { ca: cloud.caCert } } : {}),
      // MSAL asks the public cloud about authorities it does not know (the sandbox's).
      ...(known ? {} : { disableInstanceDiscovery: true }),
    },
  );
  return { credential, kind: 'oidc', assertions: () => count };
}
