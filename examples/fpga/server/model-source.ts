// Where the FPGA scorer gets its model: a local folder (MODEL_PATH, default the bundled ../model)
// or a version folder in Blob Storage (DOVE_MODEL_URI + DOVE_MODEL_SAS, as Dove's model store
// delivers it). A stored model is checked file by file against its manifest's sha256 first.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODEL_FILES, ModelLoadError, type Network, networkFrom } from './network.ts';

export interface LoadedModel {
  network: Network;
  name: string;
  version: string;
  /** Where it came from, without any SAS token (safe to log). */
  source: string;
  file: string;
}

const bundled = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'model');

function parse(bytes: Buffer | string, where: string): Network {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString());
  } catch (err) {
    throw new ModelLoadError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  return networkFrom(value, where);
}

export async function loadModel(env: NodeJS.ProcessEnv): Promise<LoadedModel> {
  const uri = env.DOVE_MODEL_URI?.trim();
  if (uri) return loadFromStore(uri, env.DOVE_MODEL_SAS ?? '');
  const dir = resolve(env.MODEL_PATH?.trim() || bundled);
  for (const f of MODEL_FILES) {
    const file = join(dir, f);
    const text = await readFile(file, 'utf8').catch(() => undefined);
    if (text !== undefined)
      return {
        network: parse(text, file),
        name: env.DOVE_MODEL_NAME ?? 'fpga-featurizer',
        version: env.DOVE_MODEL_VERSION ?? 'local',
        source: dir,
        file: f,
      };
  }
  throw new ModelLoadError(
    `${dir} holds none of ${MODEL_FILES.join(', ')}; set MODEL_PATH to the model folder`,
  );
}

/** One SAS for every file, or (as the model store issues it) a JSON map from path to SAS. */
function sasFor(sas: string, path: string): string {
  const text = sas.trim();
  if (!text.startsWith('{')) return text.replace(/^\?/, '');
  try {
    const token = (JSON.parse(text) as Record<string, unknown>)[path];
    return typeof token === 'string' ? token.replace(/^\?/, '') : '';
  } catch {
    throw new ModelLoadError('DOVE_MODEL_SAS starts with "{" but is not a JSON object of path -> SAS token');
  }
}

async function download(url: string, sas: string, label: string): Promise<Buffer> {
  const full = sas ? `${url}${url.includes('?') ? '&' : '?'}${sas}` : url;
  let last = '';
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await fetch(full, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      last = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
  throw new ModelLoadError(
    `cannot download ${label}: ${last}; check DOVE_MODEL_URI and that DOVE_MODEL_SAS is valid and not expired`,
  );
}

interface Manifest {
  model: string;
  version: string;
  files: { path: string; size: number; sha256: string }[];
}

async function loadFromStore(rawUri: string, sas: string): Promise<LoadedModel> {
  const base = rawUri.replace(/\/+$/, '').replace(/\/manifest\.json$/, '');
  const bytes = await download(
    `${base}/manifest.json`,
    sasFor(sas, 'manifest.json'),
    `${base}/manifest.json`,
  );
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch (err) {
    throw new ModelLoadError(`${base}/manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(manifest.files) || typeof manifest.model !== 'string')
    throw new ModelLoadError(`${base}/manifest.json is not a model manifest (model, version, files)`);
  const entry = manifest.files.find((f) =>
    (MODEL_FILES as readonly string[]).includes(f.path.split('/').at(-1)!),
  );
  if (!entry) throw new ModelLoadError(`${base}/manifest.json lists none of ${MODEL_FILES.join(', ')}`);
  if (entry.path.startsWith('/') || entry.path.split('/').includes('..'))
    throw new ModelLoadError(`${base}/manifest.json: ${entry.path} is not inside the version folder`);
  const url = `${base}/${entry.path.split('/').map(encodeURIComponent).join('/')}`;
  const body = await download(url, sasFor(sas, entry.path), url);
  const sha256 = createHash('sha256').update(body).digest('hex');
  if (body.length !== entry.size || sha256 !== entry.sha256)
    throw new ModelLoadError(
      `corrupt model file ${entry.path} of ${manifest.model} ${manifest.version}: expected ${entry.size} bytes with sha256 ${entry.sha256}, ` +
        `got ${body.length} bytes with sha256 ${sha256}; re-upload this version or deploy another one`,
    );
  return {
    network: parse(body, `${base}/${entry.path}`),
    name: manifest.model,
    version: manifest.version,
    source: base,
    file: entry.path,
  };
}
