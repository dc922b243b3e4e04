/**
 * One catalogue of error codes. Every error Dove raises says what went wrong, where, and
 * what to do next (`hint`). Hosts map codes to exit codes, statuses and comments.
 */
export const ERROR_CODES = {
  DOVE_SPEC_NOT_FOUND: {
    title: 'Spec file not found',
    hint: 'Pass the path of your dove.yaml with --spec, or run `dove init`.',
  },
  DOVE_SPEC_YAML: { title: 'Spec is not valid YAML', hint: 'Fix the YAML syntax at the line shown.' },
  DOVE_SPEC_INVALID: {
    title: 'Spec does not match the schema',
    hint: 'Fix each field listed; docs/spec.md describes every field.',
  },
  DOVE_VARIABLE_UNSET: {
    title: 'A variable in the spec has no value',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the hint shows the spec's own variable syntax
    hint: 'Set the environment variable, pass --var NAME=value, or give a default with ${NAME:-default}.',
  },
  DOVE_TARGET_UNKNOWN: {
    title: 'No such target in the spec',
    hint: 'Use one of the environment names under `targets:` in the spec.',
  },
  DOVE_TARGET_AMBIGUOUS: {
    title: 'Several environments have that kind',
    hint: 'Name the environment instead of the kind.',
  },
  DOVE_PLUGIN_DUPLICATE: {
    title: 'Two plugins share a name or kind',
    hint: 'Register each target plugin once.',
  },
  DOVE_PLUGIN_MISSING: {
    title: 'No plugin for this kind',
    hint: 'Register the target package for this kind (e.g. aci() from @dove/target-aci).',
  },
  DOVE_LOCKED: {
    title: 'The environment is locked',
    hint: 'Wait for the running deploy to finish, or release the lock if it is stale.',
  },
  DOVE_SETTINGS_INVALID: {
    title: 'Target settings are invalid',
    hint: 'Fix the setting named in the message.',
  },
  DOVE_AUTH: {
    title: 'Azure refused the credentials',
    hint: 'Check the login (federated credential, client secret or managed identity) and its role assignment on the subscription or resource group.',
  },
  DOVE_QUOTA: {
    title: 'A quota or capacity limit was reached',
    hint: 'Ask for more quota, pick another region or size, or remove unused resources.',
  },
  DOVE_THROTTLED: {
    title: 'Azure kept throttling the requests',
    hint: 'Retry later; Dove already honoured Retry-After.',
  },
  DOVE_NOT_FOUND: {
    title: 'A resource was not found',
    hint: 'Check the names in the target settings (subscription, resource group, cluster, hub).',
  },
  DOVE_PROVISION_FAILED: {
    title: 'Provisioning failed',
    hint: 'Read the provider message; fix the settings or the image and deploy again.',
  },
  DOVE_VERIFY_FAILED: {
    title: 'The new version did not become ready',
    hint: 'Read the container logs and events in the message; the previous version was restored.',
  },
  DOVE_SMOKE_FAILED: {
    title: 'The smoke test failed',
    hint: "Call the scoring route with the spec's sample request and fix the scoring code or the sample.",
  },
  DOVE_ROLLBACK_FAILED: {
    title: 'Rollback failed',
    hint: 'Check the environment by hand (`dove status`); the message says what serves now.',
  },
  DOVE_TIMEOUT: {
    title: 'Timed out',
    hint: 'Raise the deadline or look at why the resource is not progressing.',
  },
  DOVE_CANCELED: {
    title: 'Canceled',
    hint: 'Run the command again when ready; `dove status` tells what serves now.',
  },
  DOVE_UNSUPPORTED: {
    title: 'Not supported by this target',
    hint: 'See the target page in docs/targets for what it supports.',
  },
  DOVE_INTERNAL: {
    title: 'Unexpected error',
    hint: 'This is a bug in Dove or a plugin; report it with the message.',
  },
} as const satisfies Record<string, { title: string; hint: string }>;

export type ErrorCode = keyof typeof ERROR_CODES | (string & {});

export interface ErrorLocation {
  file?: string;
  line?: number;
  column?: number;
  /** dotted field path, e.g. `targets.prod.autoscale.max` */
  path?: string;
}

export interface DoveErrorOptions {
  hint?: string;
  location?: ErrorLocation;
  target?: string;
  cause?: unknown;
  /** all problems, when there are several (spec validation) */
  issues?: (ErrorLocation & { message: string })[];
}

export class DoveError extends Error {
  override name = 'DoveError' as const;
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly location?: ErrorLocation;
  readonly issues?: (ErrorLocation & { message: string })[];
  target?: string;

  constructor(code: ErrorCode, message: string, options: DoveErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.hint = options.hint ?? (ERROR_CODES as Record<string, { hint: string }>)[code]?.hint;
    this.location = options.location;
    this.issues = options.issues;
    this.target = options.target;
  }
}

/** True for any Dove error, including ones from another copy of this package (checks the name). */
export function isDoveError(e: unknown): e is DoveError {
  return (
    typeof e === 'object' &&
    e !== null &&
    (e as { name?: unknown }).name === 'DoveError' &&
    typeof (e as { code?: unknown }).code === 'string'
  );
}

/** `file:line:column path` for messages. */
export function formatLocation(loc: ErrorLocation | undefined): string {
  if (!loc) return '';
  const where = [loc.file, loc.line, loc.column].filter((x) => x !== undefined).join(':');
  return [where, loc.path].filter(Boolean).join(' ');
}

/** Wraps anything thrown inside a plugin as a DoveError tagged with the plugin's name. */
export function tagError(e: unknown, pluginName: string): DoveError {
  const err = isDoveError(e) ? e : fromAzureError(e);
  if (!err.target) err.target = pluginName;
  return err;
}

/** Maps Azure SDK `RestError`s (and anything else) onto the catalogue. */
export function fromAzureError(e: unknown): DoveError {
  if (isDoveError(e)) return e;
  const err = e as { name?: string; statusCode?: number; code?: string; message?: string };
  const message = err?.message ?? String(e);
  if (err?.name === 'AbortError') return new DoveError('DOVE_CANCELED', message, { cause: e });
  // A plugin's own coded error (ACI_SMOKE_FAILED, EDGE_*, DOVE_AKS_*) keeps its code and hint;
  // Node's (ERR_*) and undici's (UND_ERR_*) codes are not Dove's.
  const own = (e as { hint?: unknown })?.hint;
  if (
    typeof err?.code === 'string' &&
    /^[A-Z][A-Z0-9]*_[A-Z0-9_]+$/.test(err.code) &&
    !/^(ERR|UND_ERR)_/.test(err.code)
  )
    return new DoveError(err.code, message, { cause: e, ...(typeof own === 'string' ? { hint: own } : {}) });
  const status = err?.statusCode;
  const code = err?.code ?? '';
  if (
    status === 401 ||
    status === 403 ||
    /AuthenticationFailed|AuthorizationFailed|InvalidAuthenticationToken|CredentialUnavailable/.test(
      code + (err?.name ?? ''),
    )
  ) {
    return new DoveError('DOVE_AUTH', message, { cause: e });
  }
  if (/Quota|Capacity|ServiceUnavailable/i.test(code))
    return new DoveError('DOVE_QUOTA', message, { cause: e });
  if (status === 429) return new DoveError('DOVE_THROTTLED', message, { cause: e });
  if (status === 404) return new DoveError('DOVE_NOT_FOUND', message, { cause: e });
  return new DoveError('DOVE_INTERNAL', message, { cause: e });
}
