/** Kubernetes' `Status` error object, as clients (kubectl, client-node) parse it. */
export interface KubeError {
  status: number;
  body: Record<string, unknown>;
}

const reasons: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'AlreadyExists',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
};

export function kubeError(
  status: number,
  message: string,
  details?: { name?: string; group?: string; kind?: string },
  reason?: string,
): KubeError {
  return {
    status,
    body: {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason: reason ?? reasons[status] ?? 'InternalError',
      ...(details ? { details } : {}),
      code: status,
    },
  };
}

export const isKubeError = (e: unknown): e is KubeError =>
  typeof e === 'object' && e !== null && 'status' in e && 'body' in e;
