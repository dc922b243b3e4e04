import { readFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { type Document, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { DoveError, type ErrorLocation } from '../errors.ts';
import { specSchema } from './schema.ts';
import type { DoveSpec, TargetSpec } from './types.ts';
import { substituteTree } from './variables.ts';

/** What loadSpec needs of the plugin registry: a settings schema per kind. */
export interface SpecPluginLookup {
  get(kind: string): { configSchema: z.ZodType; name: string } | undefined;
  list(): { kind: string }[];
}

export interface LoadSpecOptions {
  /** Path of the spec file; also the name shown in messages when `text` is given. */
  file?: string;
  /** The spec's text, instead of reading `file`. */
  text?: string;
  /** Values for `${NAME}`; default `process.env`. */
  variables?: Record<string, string | undefined>;
  /** Validates each target's settings with its plugin's schema when given. */
  registry?: SpecPluginLookup;
  /**
   * Check kinds and settings with the registry only for these environments (default: all),
   * e.g. the one being deployed, so a spec may name kinds this host has no plugin for.
   */
  environments?: string[];
}

export type SpecIssue = ErrorLocation & { message: string };
type Path = readonly PropertyKey[];

/**
 * Reads, fills in and validates a dove.yaml. Every problem is reported at once, each with
 * its file, line and column; throws DoveError (DOVE_SPEC_NOT_FOUND, DOVE_SPEC_YAML,
 * DOVE_VARIABLE_UNSET or DOVE_SPEC_INVALID).
 */
export async function loadSpec(options: LoadSpecOptions): Promise<DoveSpec> {
  const shown = options.file ?? 'dove.yaml';
  const text = options.text ?? (await readSpecFile(options.file));
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    prettyErrors: false,
    uniqueKeys: true,
    // Problems are reported as issues; yaml's own console warnings would only be noise.
    logLevel: 'error',
  });
  const at = (offset: number | undefined, path: Path, message: string): SpecIssue => {
    const pos = offset === undefined ? { line: 1, col: 1 } : lines.linePos(offset);
    return { file: shown, line: pos.line, column: pos.col, path: dotted(path), message };
  };

  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) =>
      at(e.pos[0], [], (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')),
    );
    throw fail('DOVE_SPEC_YAML', 'The spec is not valid YAML', issues);
  }

  const unset = substituteTree(doc.contents, options.variables ?? process.env).map((u) =>
    at(u.node.range?.[0], u.path, `variable ${u.name} is not set (use \${${u.name}:-default} for a default)`),
  );

  keepSourceText(doc, text);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    throw fail('DOVE_SPEC_YAML', 'The spec is not valid YAML', [at(0, [], (e as Error).message)]);
  }

  const issues: SpecIssue[] = [];
  const report: Report = (path, message, atKey) =>
    issues.push(at(nodeOffset(doc, path, atKey), path, message));

  const reportZod = zodReporter(report);
  const parsed = specSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportZod([], issue);
  }

  // Settings are checked even when the rest of the spec is wrong, so one run lists everything.
  const targets = options.registry
    ? validateTargets(rawTargets(data, options.environments), options.registry, report)
    : {};
  let spec: DoveSpec | undefined;
  if (parsed.success) {
    spec = { ...parsed.data };
    if (options.registry) spec.targets = { ...spec.targets, ...targets };
  }

  // A field whose variable is unset fails for that reason alone; don't report it twice.
  const extra = issues.filter(
    (i) => !unset.some((u) => i.path === u.path || i.path?.startsWith(`${u.path}.`)),
  );
  if (unset.length > 0 && extra.length === 0) {
    throw fail('DOVE_VARIABLE_UNSET', 'Variables in the spec have no value', unset);
  }
  const all = [...unset, ...extra].sort(
    (a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  if (all.length > 0 || !spec) {
    throw fail('DOVE_SPEC_INVALID', 'The spec does not match the schema', all);
  }
  if (options.file) spec.file = resolvePath(options.file);
  return spec;
}

/**
 * `version: 1.10` must stay "1.10", not become the number 1.1: fields that are strings
 * take a plain scalar's text as written.
 */
function keepSourceText(doc: Document, text: string): void {
  const env = doc.getIn(['scoring', 'env'], true);
  const nodes = [doc.getIn(['model', 'version'], true), ...(isMap(env) ? env.items.map((p) => p.value) : [])];
  for (const node of nodes) {
    if (isScalar(node) && typeof node.value !== 'string' && node.value !== null && node.range) {
      node.value = text.slice(node.range[0], node.range[1]).trim();
    }
  }
}

/** `targets` as written, for each environment whose `kind` is at least a non-empty string. */
function rawTargets(data: unknown, only: string[] | undefined): Record<string, TargetSpec> {
  const out: Record<string, TargetSpec> = {};
  const targets = isRecord(data) ? data.targets : undefined;
  if (!isRecord(targets)) return out;
  for (const [env, value] of Object.entries(targets)) {
    if (only && !only.includes(env)) continue;
    if (!isRecord(value) || typeof value.kind !== 'string' || value.kind === '') continue;
    const { kind, ...settings } = value;
    out[env] = { kind, settings };
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

async function readSpecFile(file: string | undefined): Promise<string> {
  if (!file) {
    throw new DoveError('DOVE_SPEC_NOT_FOUND', 'No spec given: pass a file or its text');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : String(e);
    throw new DoveError('DOVE_SPEC_NOT_FOUND', `Spec file ${resolvePath(file)} ${why}`, {
      location: { file },
      cause: e,
    });
  }
}

function validateTargets(
  targets: Record<string, TargetSpec>,
  registry: SpecPluginLookup,
  report: Report,
): Record<string, TargetSpec> {
  const out: Record<string, TargetSpec> = {};
  for (const [env, target] of Object.entries(targets)) {
    out[env] = target;
    const plugin = registry.get(target.kind);
    if (!plugin) {
      const known = registry
        .list()
        .map((p) => p.kind)
        .sort();
      report(
        ['targets', env, 'kind'],
        `unknown kind "${target.kind}"; known kinds: ${known.join(', ') || '(none registered)'}`,
      );
      continue;
    }
    let result: ReturnType<z.ZodType['safeParse']>;
    try {
      result = plugin.configSchema.safeParse(target.settings);
    } catch (e) {
      report(['targets', env], `plugin ${plugin.name} failed to check the settings: ${(e as Error).message}`);
      continue;
    }
    if (result.success) {
      out[env] = { kind: target.kind, settings: result.data as Record<string, unknown> };
    } else {
      for (const issue of result.error.issues) zodReporter(report)(['targets', env], issue);
    }
  }
  return out;
}

/** `atKey`: point at the key itself (a bad name) rather than its value. */
type Report = (path: Path, message: string, atKey?: boolean) => void;

/** Reports a zod issue under `prefix`; each unknown key is reported at its own line. */
function zodReporter(report: Report) {
  return (prefix: Path, issue: z.core.$ZodIssue): void => {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) report([...path, key], 'unknown field (a typo?)');
    } else {
      report(path, describe(issue), issue.code === 'invalid_key');
    }
  };
}

/** The zod message, plus what was expected when zod knows it. */
function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (a typo?)`;
  }
  if (issue.code === 'invalid_key') return `bad name: ${issue.issues.map((i) => i.message).join('; ')}`;
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `required; expected ${issue.expected}`;
  }
  return issue.message;
}

/**
 * Offset of the YAML node at `path`. When the field is missing, the key of its nearest
 * existing ancestor (`model:` for a missing `model.name`), else the document start.
 */
function nodeOffset(doc: Document, path: Path, atKey = false): number | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  for (const k of path) {
    const next = child(node, k);
    if (!next) return rangeOf(keyNode) ?? rangeOf(node);
    ({ key: keyNode, value: node } = next);
    if (!node) return rangeOf(keyNode);
  }
  return (atKey ? rangeOf(keyNode) : undefined) ?? rangeOf(node) ?? rangeOf(keyNode);
}

function child(node: unknown, k: PropertyKey): { key: unknown; value: unknown } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(k));
    return pair && { key: pair.key, value: pair.value };
  }
  if (isSeq(node) && typeof k === 'number') {
    const item = node.items[k];
    return item === undefined ? undefined : { key: undefined, value: item };
  }
  return undefined;
}

function rangeOf(node: unknown): number | undefined {
  return (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
}

function dotted(path: Path): string {
  return path.map((k) => String(k)).join('.');
}

function fail(code: string, title: string, issues: SpecIssue[]): DoveError {
  const list = issues.map(
    (i) => `  ${i.file}:${i.line}:${i.column} ${i.path ? `${i.path}: ` : ''}${i.message}`,
  );
  return new DoveError(code, `${title}:\n${list.join('\n')}`, { issues, location: issues[0] });
}
