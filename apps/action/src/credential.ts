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
  /** issuer and subject of the last ID token (OIDC only), for the hint when Entra refuses it */
  lastIdentity(): { issuer: string; subject: string } | undefined;
}

/** `iss` and `sub` of a JWT, unverified: only to tell the user what was presented. */
function identityOf(token: string): { issuer: string; subject: string } | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return { issuer: String(claims.iss), subject: String(claims.sub) };
  } catch {
    return undefined;
  }
}

/** Entra's answers to a federated assertion it does not accept. */
export const FEDERATION_ERRORS = /AADSTS(700211|700212|700213|700024|50013|50166)/;

export function login(
  cloud: CloudProfile,
  o: { clientId: string; tenantId: string; audience: string },
): Login {
  if (!o.clientId) {
    return {
      credential: createCredential(cloud),
      kind: cloud.sandbox ? 'sandbox' : 'environment',
      assertions: () => 0,
      lastIdentity: () => undefined,
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
  let last: { issuer: string; subject: string } | undefined;
  const known = Object.values(CLOUDS).some((c) => c.authorityHost === cloud.authorityHost);
  const credential = new ClientAssertionCredential(
    o.tenantId,
    o.clientId,
    async () => {
      count++;
      // A new token each time: never cache it, it expires after about ten minutes.
      const token = await core.getIDToken(o.audience);
      last = identityOf(token);
      return token;
    },
    {
      authorityHost: cloud.authorityHost,
      ...(cloud.caCert ? { tlsOptions: { ca: cloud.caCert } } : {}),
      // MSAL asks the public cloud about authorities it does not know (the sandbox's).
      ...(known ? {} : { disableInstanceDiscovery: true }),
    },
  );
  return { credential, kind: 'oidc', assertions: () => count, lastIdentity: () => last };
}
