import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { SANDBOX_CLUSTER, startSandbox } from '../src/sandbox.ts';

test("the cluster's Kubernetes API applies fault rules with api 'k8s' (Status errors, drops) and logs them", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-sb-kube-faults-'));
  const sb = await startSandbox({ stateDir: dir, storage: false });
  try {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(sb.profile.sandbox.kubeconfigs[SANDBOX_CLUSTER] as string);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    sb.resetRequests();
    sb.faults.add({
      api: 'k8s',
      method: 'GET',
      pathIncludes: '/namespaces',
      times: 1,
      fault: { type: 'status', status: 429, retryAfterSeconds: 1 },
    });
    const throttled = await core.listNamespace().catch((e: unknown) => e);
    expect(throttled).toMatchObject({ code: 429 });
    expect(JSON.parse((throttled as { body: string }).body)).toMatchObject({
      kind: 'Status',
      reason: 'TooManyRequests',
      code: 429,
    });
    // The rule is spent: the next call is served, and both are in the log under 'k8s'.
    const names = (await core.listNamespace()).items.map((n) => n.metadata?.name);
    expect(names).toContain('default');
    sb.faults.add({ api: 'k8s', times: 1, fault: { type: 'drop' } });
    await expect(core.readNamespace({ name: 'default' })).rejects.toThrow();
    expect(sb.requests().map((r) => `${r.api} ${r.method} ${r.path} ${r.status}`)).toEqual([
      'k8s GET /api/v1/namespaces 429',
      'k8s GET /api/v1/namespaces 200',
      'k8s GET /api/v1/namespaces/default 0',
    ]);
    // Faults on other APIs leave the cluster alone.
    sb.faults.add({ api: 'arm', fault: { type: 'drop' } });
    expect((await core.readNamespace({ name: 'default' })).metadata?.name).toBe('default');
  } finally {
    await sb.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
