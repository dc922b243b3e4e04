import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { aggregated, apiGroupList, apiVersions, resourceList, versionInfo } from './discovery.ts';
import { type Kind, kindFor } from './kinds.ts';
import { fieldsOf, mergePatch } from './patch.ts';
import { isKubeError, kubeError } from './status.ts';
import type { KubeObject, KubeStore } from './store.ts';

const aggregatedType = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

function send(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** `a=b,c!=d,e` label selectors (equality and existence). */
export function matchesLabels(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const t = term.trim();
    const ne = t.split('!=');
    if (ne.length === 2) return labels[ne[0]!.trim()] !== ne[1]!.trim();
    const eq = t.split(/==?/);
    if (eq.length === 2) return labels[eq[0]!.trim()] === eq[1]!.trim();
    return t.startsWith('!') ? !(t.slice(1) in labels) : t in labels;
  });
}

function fieldValue(o: KubeObject, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined),
      o,
    );
}

export function matchesFields(selector: string | null, o: KubeObject): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split(/!=|==?/) as [string, string];
    const equal = String(fieldValue(o, k.trim()) ?? '') === (v ?? '').trim();
    return term.includes('!=') ? !equal : equal;
  });
}

const parsePath = (segments: string[]) => {
  // /api/v1/... or /apis/{group}/{version}/...
  let group = '';
  let version: string;
  let rest: string[];
  if (segments[0] === 'api') [version, rest] = [segments[1] ?? '', segments.slice(2)];
  else [group, version, rest] = [segments[1] ?? '', segments[2] ?? '', segments.slice(3)];
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) [namespace, rest] = [rest[1], rest.slice(2)];
  return { group, version, namespace, plural: rest[0] ?? '', name: rest[1], sub: rest[2] };
};

/** Answers one authenticated API request. */
export function makeApiHandler(
  store: KubeStore,
  openapi: (path: string) => unknown | undefined,
  logsOf: (namespace: string, pod: string) => { logs(): string[] } | undefined = () => undefined,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://localhost');
    const p = url.pathname.replace(/\/$/, '');
    const accept = String(req.headers.accept ?? '');
    try {
      if (p === '/version') return send(res, 200, versionInfo);
      // Clients tell the aggregated answer from the plain one by its content type.
      const wantsAggregated = accept.includes('as=APIGroupDiscoveryList');
      if (p === '/api')
        return wantsAggregated
          ? send(res, 200, aggregated(true), aggregatedType)
          : send(res, 200, apiVersions);
      if (p === '/apis')
        return wantsAggregated
          ? send(res, 200, aggregated(false), aggregatedType)
          : send(res, 200, apiGroupList());
      if (p.startsWith('/openapi')) {
        const doc = openapi(p);
        return doc ? send(res, 200, doc) : send(res, 404, kubeError(404, `${p} not found`).body);
      }
      const segs = p.split('/').filter(Boolean);
      if ((segs[0] === 'api' && segs.length === 2) || (segs[0] === 'apis' && segs.length === 3)) {
        const list = segs[0] === 'api' ? resourceList('', segs[1]!) : resourceList(segs[1]!, segs[2]!);
        return list ? send(res, 200, list) : send(res, 404, kubeError(404, `${p} not found`).body);
      }
      if (segs[0] !== 'api' && segs[0] !== 'apis')
        throw kubeError(404, `the server could not find the requested resource (${p})`);
      const r = parsePath(segs);
      if (r.plural === 'pods' && r.sub === 'log' && r.name) {
        const proc = logsOf(r.namespace ?? 'default', r.name);
        if (!store.get(kindFor('', 'v1', 'pods')!, r.namespace, r.name) || !proc)
          throw kubeError(404, `pods "${r.name}" not found`, { name: r.name, kind: 'pods' });
        const tail = Number(url.searchParams.get('tailLines') ?? 0);
        const lines = proc.logs();
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${(tail > 0 ? lines.slice(-tail) : lines).join('\n')}\n`);
        return;
      }
      const kind = kindFor(r.group, r.version, r.plural);
      if (!kind) throw kubeError(404, `the server could not find the requested resource (${p})`);
      await handleResource(store, kind, r, url, req, res);
    } catch (e) {
      if (isKubeError(e)) return send(res, e.status, e.body);
      send(res, 500, kubeError(500, e instanceof Error ? e.message : String(e)).body);
    }
  };
}

async function handleResource(
  store: KubeStore,
  kind: Kind,
  r: { namespace?: string; name?: string; sub?: string },
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  const ns = kind.namespaced ? r.namespace : undefined;
  if (
    kind.namespaced &&
    ns &&
    kind.plural !== 'namespaces' &&
    method !== 'GET' &&
    !store.get(kindFor('', 'v1', 'namespaces')!, undefined, ns)
  )
    throw kubeError(404, `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
  if (!r.name) {
    if (method === 'GET') {
      const items = store
        .list(kind, ns)
        .filter((o) =>
          matchesLabels(url.searchParams.get('labelSelector'), o.metadata.labels as Record<string, string>),
        )
        .filter((o) => matchesFields(url.searchParams.get('fieldSelector'), o));
      if (url.searchParams.get('watch') === '1' || url.searchParams.get('watch') === 'true') {
        res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
        // Clients wait for the headers before reading events; send them now.
        res.flushHeaders();
        const since = Number(url.searchParams.get('resourceVersion') ?? 0);
        for (const o of items)
          if (!since || Number(o.metadata.resourceVersion) > since)
            res.write(`${JSON.stringify({ type: 'ADDED', object: o })}\n`);
        const stop = store.watch(kind, ns, (e) => {
          if (
            !matchesLabels(
              url.searchParams.get('labelSelector'),
              e.object.metadata.labels as Record<string, string>,
            )
          )
            return;
          if (!matchesFields(url.searchParams.get('fieldSelector'), e.object)) return;
          res.write(`${JSON.stringify(e)}\n`);
        });
        const timeout = Number(url.searchParams.get('timeoutSeconds') ?? 1800) * 1000;
        const timer = setTimeout(() => res.end(), timeout);
        res.on('close', () => {
          stop();
          clearTimeout(timer);
        });
        return;
      }
      return send(res, 200, {
        kind: `${kind.kind}List`,
        apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
        metadata: { resourceVersion: store.resourceVersion },
        items,
      });
    }
    if (method === 'POST') {
      const body = JSON.parse(await readBody(req)) as KubeObject;
      if (body.metadata && !body.metadata.name && typeof body.metadata.generateName === 'string')
        body.metadata.name = `${body.metadata.generateName}${Math.random().toString(36).slice(2, 7)}`;
      return send(res, 201, store.create(kind, ns, body));
    }
    throw kubeError(405, `${method} is not supported on a collection`);
  }
  const name = r.name;
  if (method === 'GET') {
    const o = store.get(kind, ns, name);
    if (!o)
      throw kubeError(404, `${kind.plural}${kind.group ? `.${kind.group}` : ''} "${name}" not found`, {
        name,
        group: kind.group,
        kind: kind.plural,
      });
    return send(res, 200, o);
  }
  if (method === 'DELETE') {
    return send(res, 200, store.delete(kind, ns, name));
  }
  if (method === 'PUT') {
    const body = JSON.parse(await readBody(req)) as KubeObject;
    if (body.metadata?.name !== name)
      throw kubeError(
        400,
        `the name of the object (${body.metadata?.name}) does not match the name on the URL (${name})`,
      );
    const old = store.get(kind, ns, name);
    const next = r.sub === 'status' && old ? { ...old, status: body.status } : body;
    return send(
      res,
      200,
      store.update(kind, ns, next as KubeObject, body.metadata.resourceVersion as string | undefined),
    );
  }
  if (method === 'PATCH') {
    const type = String(req.headers['content-type'] ?? '').split(';')[0];
    const text = await readBody(req);
    const old = store.get(kind, ns, name);
    if (type === 'application/apply-patch+yaml') {
      const manager = url.searchParams.get('fieldManager');
      if (!manager)
        throw kubeError(
          422,
          'PATCH with application/apply-patch+yaml requires the fieldManager query parameter',
          { name, kind: kind.plural },
        );
      const applied = parseYaml(text) as KubeObject;
      const entry = {
        manager,
        operation: 'Apply',
        apiVersion: kind.group ? `${kind.group}/${kind.version}` : kind.version,
        time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsOf(applied),
      };
      const base = old ?? { metadata: { name } };
      const merged = mergePatch(base, applied) as KubeObject;
      const others = ((old?.metadata.managedFields as { manager: string }[] | undefined) ?? []).filter(
        (m) => m.manager !== manager,
      );
      merged.metadata.managedFields = [...others, entry];
      if (!old) return send(res, 201, store.create(kind, ns, merged));
      return send(res, 200, store.update(kind, ns, merged));
    }
    if (!old) throw kubeError(404, `${kind.plural} "${name}" not found`, { name, kind: kind.plural });
    if (type !== 'application/merge-patch+json' && type !== 'application/strategic-merge-patch+json')
      throw kubeError(
        415,
        `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
      );
    const patched = mergePatch(old, JSON.parse(text)) as KubeObject;
    return send(res, 200, store.update(kind, ns, patched));
  }
  throw kubeError(405, `${method} is not supported`);
}
