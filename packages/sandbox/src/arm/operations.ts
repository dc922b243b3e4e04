import { randomUUID } from 'node:crypto';

interface Operation {
  id: string;
  namespace: string;
  location: string;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  startTime: string;
  endTime?: string;
  error?: { code: string; message: string };
}

/** Azure async operations: the status a client polls through Azure-AsyncOperation or Location. */
export class Operations {
  #ops = new Map<string, Operation>();
  #pending = new Set<Promise<void>>();

  start(
    base: string,
    subscriptionId: string,
    options: {
      namespace: string;
      location: string;
      work: () => Promise<void>;
      onFail?: (error: { code: string; message: string }) => void | Promise<void>;
    },
    retryAfterSeconds: number,
  ) {
    const id = randomUUID();
    const op: Operation = {
      id,
      namespace: options.namespace,
      location: options.location,
      status: 'InProgress',
      startTime: new Date().toISOString(),
    };
    this.#ops.set(id, op);
    const p = Promise.resolve()
      .then(options.work)
      .then(
        () => {
          op.status = 'Succeeded';
        },
        async (err: unknown) => {
          const e = err as { code?: unknown; message?: unknown };
          const error = {
            code: typeof e?.code === 'string' ? e.code : 'InternalServerError',
            message: typeof e?.message === 'string' ? e.message : String(err),
          };
          await Promise.resolve(options.onFail?.(error)).catch(() => {});
          op.error = error;
          op.status = 'Failed';
        },
      )
      .finally(() => {
        op.endTime = new Date().toISOString();
        this.#pending.delete(p);
      });
    this.#pending.add(p);
    const prefix = `${base}/subscriptions/${subscriptionId}/providers/${options.namespace}/locations/${options.location}`;
    return {
      id,
      headers: {
        'Azure-AsyncOperation': `${prefix}/operations/${id}?api-version=2024-01-01`,
        Location: `${prefix}/operationResults/${id}?api-version=2024-01-01`,
        'Retry-After': String(retryAfterSeconds),
      },
    };
  }

  get(id: string): Operation | undefined {
    return this.#ops.get(id);
  }

  /** Lets stop() wait for work in flight instead of cutting it. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}
