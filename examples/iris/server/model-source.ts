// Where the scoring server gets its model: a local folder (MODEL_PATH, default the bundled
// ../model) or a version folder in Blob Storage (DOVE_MODEL_URI + DOVE_MODEL_SAS). A model from
// the store is checked file by file against its manifest's sha256 before it may serve.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IrisModel, modelProblem } from './model.ts';

export interface LoadedModel {
  model: IrisModel;
  name: string;
  version: string;
  /** Where it came from, without any SAS token (safe to log). */
  source: string;
  files: number;
}

/** The manifest the model store writes last, once every file of a version is uploaded. */
export interface ModelManifest {
  model: string;
  version: string;
  files: { path: string; size: number; sha256: string }[];
  specHash?: string;
  gitSha?: string;
  releaseTag?: string;
  createdAt?: string;
}

/** A model that must not serve: the message names the file and what was wrong. */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const MODEL_FILE = 'model.json';
const bundled = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'model');

export async function loadModel(env: NodeJS.ProcessEnv): Promise<LoadedModel> {
  const uri = env.DOVE_MODEL_URI?.trim();
  if (uri) return loadFromStore(uri, env.DOVE_MODEL_SAS ?? '');
  const dir = resolve(env.MODEL_PATH?.trim() || bundled);
  const file = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModelLoadError(
      `cannot read ${file}: ${(err as Error).message}; set MODEL_PATH to a folder holding ${MODEL_FILE}`,
    );
  }
  return {
    model: parseModel(text, file),
    name: env.MODEL_NAME ?? 'iris-classifier',
    version: env.MODEL_VERSION ?? 'local',
    source: dir,
    files: 1,
  };
}

function parseModel(text: string, where: string): IrisModel {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(`${where} is not valid JSON: ${(err as Error).message}`);
  }
  const problem = modelProblem(value);
  if (problem) throw new ModelLoadError(`${where} is not a usable model: ${problem}`);
  return value as IrisModel;
}

/**
 * DOVE_MODEL_SAS is one query string for every file, or (as the model store issues it, since
 * Blob Storage cannot scope one SAS to a folder) a JSON object from each path to its blob's SAS.
 */
function sasFor(sas: string, path: string): string {
  const text = sas.trim();
  if (!text.startsWith('{')) return text;
  let map: unknown;
  try {
    map = JSON.parse(text);
  } catch {
    throw new ModelLoadError('DOVE_MODEL_SAS starts with "{" but is not a JSON object of path -> SAS token');
  }
  const token = (map as Record<string, unknown>)[path];
  return typeof token === 'string' ? token : '';
}

function withSas(url: string, sas: string): string {
  const token = sas.replace(/^\?/, '');
  if (!token) return url;
  return `${url}${url.includes('?') ? '&' : '?'}${token}`;
}

/** GET with a few retries for transient failures (network, 429, 5xx); never for 4xx. */
async function download(url: string, label: string): Promise<Buffer> {
  let lastError = '';
  for (let attempt = 1; attempt <= 4; attempt++) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      if (res.ok) return Buffer.from(await res.arrayBuffer());
      lastError = `HTTP ${res.status} ${res.statusText}`;
      if (res.status !== 429 && res.status < 500) break;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
  }
  throw new ModelLoadError(
    `cannot download ${label}: ${lastError}; check DOVE_MODEL_URI and that DOVE_MODEL_SAS is valid and not expired`,
  );
}

function manifestProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'it is not a JSON object';
  const m = value as Partial<ModelManifest>;
  if (typeof m.model !== 'string' || typeof m.version !== 'string')
    return 'model and version must be strings';
  if (!Array.isArray(m.files) || m.files.length === 0) return 'files must be a non-empty list';
  for (const [i, f] of m.files.entries()) {
    if (typeof f?.path !== 'string' || f.path.startsWith('/') || f.path.split('/').includes('..'))
      return `files[${i}].path must be a relative path inside the version folder`;
    if (typeof f.size !== 'number' || !/^[0-9a-f]{64}$/.test(String(f.sha256)))
      return `files[${i}] needs a size and a hex sha256`;
  }
  return undefined;
}

async function loadFromStore(rawUri: string, sas: string): Promise<LoadedModel> {
  const base = rawUri.replace(/\/+$/, '').replace(/\/manifest\.json$/, '');
  const manifestBytes = await download(
    withSas(`${base}/manifest.json`, sasFor(sas, 'manifest.json')),
    `${base}/manifest.json`,
  );
  let manifest: unknown;
  try {
    manifest = JSON.parse(manifestBytes.toString('utf8'));
  } catch (err) {
    throw new ModelLoadError(`${base}/manifest.json is not valid JSON: ${(err as Error).message}`);
  }
  const problem = manifestProblem(manifest);
  if (problem) throw new ModelLoadError(`${base}/manifest.json is not a model manifest: ${problem}`);
  const { files, model: name, version } = manifest as ModelManifest;
  const contents = new Map<string, Buffer>();
  for (const file of files) {
    const url = `${base}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    const bytes = await download(withSas(url, sasFor(sas, file.path)), url);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== file.size || sha256 !== file.sha256)
      throw new ModelLoadError(
        `corrupt model file ${file.path} of ${name} ${version}: expected ${file.size} bytes with sha256 ${file.sha256}, ` +
          `got ${bytes.length} bytes with sha256 ${sha256}; re-upload this version or deploy another one`,
      );
    contents.set(file.path, bytes);
  }
  const entry = [...contents.keys()].find((p) => p === MODEL_FILE || p.endsWith(`/${MODEL_FILE}`));
  if (!entry) throw new ModelLoadError(`${base}/manifest.json lists no ${MODEL_FILE}`);
  const text = (contents.get(entry) as Buffer).toString('utf8');
  return { model: parseModel(text, `${base}/${entry}`), name, version, source: base, files: files.length };
}
