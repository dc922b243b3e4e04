import { randomUUID } from 'node:crypto';
import type { Kind } from './kinds.ts';
import { apiVersionOf } from './kinds.ts';
import { kubeError } from './status.ts';

export type KubeObject = Record<string, unknown> & {
  metadata: Record<string, unknown> & { name: string; namespace?: string };
};
export type WatchEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };
type Watcher = { kind: Kind; namespace?: string; send(e: WatchEvent): void };

const clone = <T>(v: T): T => structuredClone(v);

/** All objects of one cluster, with the bookkeeping the API server owns (rv, uid, generation). */
export class KubeStore {
  #objects = new Map<string, KubeObject>();
  #rv = 1;
  #watchers = new Set<Watcher>();

  get resourceVersion(): string {
    return String(this.#rv);
  }

  #key(kind: Kind, namespace: string | undefined, name: string): string {
    return `${kind.plural}/${kind.namespaced ? (namespace ?? 'default') : ''}/${name}`;
  }

  get(kind: Kind, namespace: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(kind, namespace, name));
    return o ? clone(o) : undefined;
  }

  list(kind: Kind, namespace?: string): KubeObject[] {
    const prefix = `${kind.plural}/${kind.namespaced && namespace ? `${namespace}/` : ''}`;
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .map(([, o]) => clone(o))
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  }

  create(kind: Kind, namespace: string | undefined, obj: KubeObject): KubeObject {
    const name = obj.metadata?.name;
    if (!name || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || name.length > 253)
      throw kubeError(
        422,
        `${kind.kind} "${name ?? ''}" is invalid: metadata.name: Invalid value: a lowercase RFC 1123 name is required`,
        { name, kind: kind.plural },
      );
    const key = this.#key(kind, namespace, name);
    if (this.#objects.has(key))
      throw kubeError(409, `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${name}" already exists`, {
        name,
        group: kind.group,
        kind: kind.plural,
      });
    const o = clone(obj);
    o.apiVersion = apiVersionOf(kind);
    o.kind = kind.kind;
    o.metadata = {
      ...o.metadata,
      ...(kind.namespaced ? { namespace: namespace ?? 'default' } : {}),
      uid: randomUUID(),
      resourceVersion: String(++this.#rv),
      creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ...(kind.plural === 'deployments' || kind.plural === 'replicasets' ? { generation: 1 } : {}),
    };
    delete o.metadata.namespace;
    if (kind.namespaced) o.metadata.namespace = namespace ?? 'default';
    this.#objects.set(key, o);
    this.#emit(kind, { type: 'ADDED', object: o });
    return clone(o);
  }

  /** Replaces the object; bumps generation when `spec` changed (status writes keep it). */
  update(kind: Kind, namespace: string | undefined, obj: KubeObject, expectedRv?: string): KubeObject {
    const key = this.#key(kind, namespace, obj.metadata.name);
    const old = this.#objects.get(key);
    if (!old)
      throw kubeError(404, `${kind.plural} "${obj.metadata.name}" not found`, {
        name: obj.metadata.name,
        kind: kind.plural,
      });
    if (expectedRv && expectedRv !== old.metadata.resourceVersion)
      throw kubeError(
        409,
        `Operation cannot be fulfilled on ${kind.plural} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: obj.metadata.name, kind: kind.plural },
        'Conflict',
      );
    const o = clone(obj);
    o.apiVersion = apiVersionOf(kind);
    o.kind = kind.kind;
    const specChanged = JSON.stringify(o.spec) !== JSON.stringify(old.spec);
    o.metadata = {
      ...o.metadata,
      uid: old.metadata.uid,
      creationTimestamp: old.metadata.creationTimestamp,
      resourceVersion: String(++this.#rv),
      ...(old.metadata.generation !== undefined
        ? { generation: (old.metadata.generation as number) + (specChanged ? 1 : 0) }
        : {}),
    };
    if (kind.namespaced) o.metadata.namespace = namespace ?? 'default';
    this.#objects.set(key, o);
    this.#emit(kind, { type: 'MODIFIED', object: o });
    return clone(o);
  }

  delete(kind: Kind, namespace: string | undefined, name: string): KubeObject {
    const key = this.#key(kind, namespace, name);
    const old = this.#objects.get(key);
    if (!old) throw kubeError(404, `${kind.plural} "${name}" not found`, { name, kind: kind.plural });
    this.#objects.delete(key);
    old.metadata.resourceVersion = String(++this.#rv);
    this.#emit(kind, { type: 'DELETED', object: old });
    return clone(old);
  }

  watch(kind: Kind, namespace: string | undefined, send: (e: WatchEvent) => void): () => void {
    const w: Watcher = { kind, namespace, send };
    this.#watchers.add(w);
    return () => this.#watchers.delete(w);
  }

  #emit(kind: Kind, e: WatchEvent): void {
    for (const w of this.#watchers) {
      if (w.kind !== kind) continue;
      if (kind.namespaced && w.namespace && w.namespace !== e.object.metadata.namespace) continue;
      w.send(clone(e));
    }
  }
}
