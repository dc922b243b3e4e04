/** Codes this target throws; the host shows `message` and `hint`. */
export type AciErrorCode =
  | 'ACI_INVALID_SETTINGS'
  | 'ACI_QUOTA'
  | 'ACI_DEPLOY_FAILED'
  | 'ACI_CONTAINER_CRASHED'
  | 'ACI_NOT_READY'
  | 'ACI_SMOKE_FAILED'
  | 'ACI_NOT_FOUND';

export class AciTargetError extends Error {
  readonly code: AciErrorCode;
  readonly hint?: string;
  constructor(code: AciErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'AciTargetError';
    this.code = code;
    if (hint) this.hint = hint;
  }
}

/** Azure error codes that no retry will fix: the settings must change. */
const SETTINGS_CODES = new Set([
  'ContainerGroupNameInvalid',
  'InvalidDnsNameLabel',
  'InvalidRequestContent',
  'LocationRequired',
  'InvalidResourceLocation',
  'DnsNameLabelNotAvailable',
  'ResourceGroupNotFound',
  'InaccessibleImage',
]);
const QUOTA_CODES = new Set(['ServiceUnavailable', 'ContainerGroupQuotaReached', 'QuotaExceeded']);

/** Turns an SDK error into one that says what to change. */
export function explainAzureError(err: unknown, what: string): Error {
  const e = err as { code?: string; statusCode?: number; message?: string };
  const code = e?.code ?? /long-running operation has failed\. (\w+)\./.exec(e?.message ?? '')?.[1];
  const msg = e?.message ?? String(err);
  if (code && QUOTA_CODES.has(code))
    return new AciTargetError(
      'ACI_QUOTA',
      `${what}: Azure refused the resources (${code}): ${msg}`,
      'Lower cpu/memoryInGB or gpu, or choose another location.',
    );
  if (code && SETTINGS_CODES.has(code))
    return new AciTargetError(
      'ACI_INVALID_SETTINGS',
      `${what}: Azure refused the settings (${code}): ${msg}`,
      code === 'DnsNameLabelNotAvailable'
        ? 'Set another dnsNameLabel (or remove it to get a derived one).'
        : code === 'InaccessibleImage'
          ? 'Check scoring.image and the registry credentials or identity.'
          : 'Fix the setting named in the message in dove.yaml.',
    );
  return new AciTargetError('ACI_DEPLOY_FAILED', `${what}: ${msg}`);
}
