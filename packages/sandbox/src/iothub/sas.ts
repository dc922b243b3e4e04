import { createHmac, timingSafeEqual } from 'node:crypto';

/** A shared access policy of the hub (name + base64 key). */
export interface AccessPolicy {
  keyName: string;
  key: string;
}

/** IoT Hub's SAS: HMAC-SHA256 over `encodeURIComponent(sr) + "\n" + se` with the policy key. */
export function signSas(resourceUri: string, policy: AccessPolicy, expiry: number): string {
  const sr = encodeURIComponent(resourceUri);
  const sig = createHmac('sha256', Buffer.from(policy.key, 'base64'))
    .update(`${sr}\n${expiry}`)
    .digest('base64');
  return `SharedAccessSignature sr=${sr}&sig=${encodeURIComponent(sig)}&se=${expiry}&skn=${encodeURIComponent(policy.keyName)}`;
}

/** Why a token was refused, or undefined when it is valid for this hub. */
export function checkSas(
  header: string | undefined,
  hostName: string,
  policies: AccessPolicy[],
  nowSeconds: number,
): string | undefined {
  if (!header?.startsWith('SharedAccessSignature '))
    return 'The Authorization header is missing or is not a SharedAccessSignature.';
  const fields = new Map<string, string>();
  for (const part of header.slice('SharedAccessSignature '.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq), part.slice(eq + 1));
  }
  const sr = fields.get('sr');
  const sig = fields.get('sig');
  const se = fields.get('se');
  const skn = fields.get('skn');
  if (!sr || !sig || !se || !skn) return 'The SharedAccessSignature lacks one of sr, sig, se, skn.';
  const resource = decodeURIComponent(sr).toLowerCase();
  if (resource !== hostName.toLowerCase() && !resource.startsWith(`${hostName.toLowerCase()}/`))
    return `The token's resource ${resource} is not this hub.`;
  if (!/^\d+$/.test(se) || Number(se) < nowSeconds) return 'The SharedAccessSignature has expired.';
  const policy = policies.find((p) => p.keyName === decodeURIComponent(skn));
  if (!policy) return `No shared access policy named ${decodeURIComponent(skn)}.`;
  const expected = createHmac('sha256', Buffer.from(policy.key, 'base64')).update(`${sr}\n${se}`).digest();
  const given = Buffer.from(decodeURIComponent(sig), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return 'The signature does not match.';
  return undefined;
}
