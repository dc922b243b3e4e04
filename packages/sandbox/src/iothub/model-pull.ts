// What an edge module does first when it starts: download its model from the store named by
// DOVE_MODEL_URI with DOVE_MODEL_SAS, and check every file's sha256 against the manifest. The
// sandbox's simulated devices do it for real (once per model URI and token: devices of a fleet
// share one result, as they would share a registry layer cache), so a wrong or expired SAS, a
// missing version or a corrupt file makes the modules fail on the devices, as on real ones.
import { createHash } from 'node:crypto';

export type PullResult = { ok: true } | { ok: false; message: string };

interface ManifestFile {
  path: string;
  sha256: string;
}

function tokenFor(sas: string | undefined, path: string): string {
  const t = (sas ?? '').trim();
  if (!t.startsWith('{')) return t.replace(/^\?/, '');
  const found = (JSON.parse(t) as Record<string, string>)[path];
  if (found === undefined) throw new Error(`DOVE_MODEL_SAS holds no token for ${path}`);
  return found;
}

async function get(base: string, sas: string | undefined, path: string): Promise<Buffer> {
  const token = tokenFor(sas, path);
  const url = `${base}${path.split('/').map(encodeURIComponent).join('/')}${token ? `?${token}` : ''}`;
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  if (!res.ok) throw new Error(`cannot download ${base}${path}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

export async function pullModel(uri: string, sas: string | undefined): Promise<PullResult> {
  const base = uri.endsWith('/') ? uri : `${uri}/`;
  try {
    const manifest = JSON.parse((await get(base, sas, 'manifest.json')).toString('utf8')) as {
      files?: ManifestFile[];
    };
    for (const f of manifest.files ?? []) {
      const bytes = await get(base, sas, f.path);
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== f.sha256)
        return {
          ok: false,
          message: `corrupt model file ${f.path}: expected sha256 ${f.sha256}, got ${sha}`,
        };
    }
    return { ok: true };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

/** One pull per (URI, token), shared by every device that runs that module. */
export class ModelPulls {
  private readonly results = new Map<string, PullResult | 'pending'>();

  /** The result when known; starts the pull (and returns undefined) otherwise. */
  result(uri: string, sas: string | undefined, onDone: () => void): PullResult | undefined {
    const key = `${uri}\n${sas ?? ''}`;
    const known = this.results.get(key);
    if (known && known !== 'pending') return known;
    if (!known) {
      this.results.set(key, 'pending');
      void pullModel(uri, sas).then((r) => {
        this.results.set(key, r);
        onDone();
      });
    }
    return undefined;
  }
}
