import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Official spec files (Azure REST API specs, Kubernetes OpenAPI) kept beside the sandbox; see test-data/SOURCES.md. */
export const specDir = resolve(dirname(fileURLToPath(import.meta.url)), '../test-data');

type Schema = Record<string, unknown>;
const docs = new Map<string, Schema>();

function loadDoc(file: string): Schema {
  let doc = docs.get(file);
  if (!doc) {
    if (!existsSync(file)) throw new Error(`spec-check: no spec file ${file}`);
    doc = JSON.parse(readFileSync(file, 'utf8')) as Schema;
    docs.set(file, doc);
  }
  return doc;
}

/**
 * Upstream files refer to shared types by their place in the upstream tree
 * (`../../../../../../common-types/...`); here they live under `azure/common-types/`.
 */
function refFile(from: string, target: string): string {
  const direct = resolve(dirname(from), target);
  if (existsSync(direct)) return direct;
  const i = target.indexOf('common-types/');
  if (i >= 0) return join(specDir, 'azure', target.slice(i));
  return direct;
}

function pointer(doc: Schema, ptr: string, where: string): Schema {
  let node: unknown = doc;
  for (const raw of ptr
    .replace(/^#?\/?/, '')
    .split('/')
    .filter(Boolean)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  if (!node || typeof node !== 'object') throw new Error(`spec-check: ${where} does not resolve`);
  return node as Schema;
}

function deref(file: string, schema: Schema): { file: string; schema: Schema } {
  let f = file;
  let s = schema;
  for (let i = 0; typeof s.$ref === 'string' && i < 50; i++) {
    const [target, ptr = ''] = (s.$ref as string).split('#');
    if (target) f = refFile(f, target);
    s = pointer(loadDoc(f), ptr, `${s.$ref} (from ${f})`);
  }
  return { file: f, schema: s };
}

const typeOf = (v: unknown) =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number'
        ? Number.isInteger(v)
          ? 'integer'
          : 'number'
        : typeof v;

function check(
  file: string,
  raw: Schema,
  value: unknown,
  path: string,
  errors: string[],
  depth: number,
): void {
  if (depth > 64) return;
  const { file: f, schema } = deref(file, raw);
  for (const part of (schema.allOf as Schema[] | undefined) ?? [])
    check(f, part, value, path, errors, depth + 1);
  if (value === null && (schema['x-nullable'] === true || schema.nullable === true)) return;
  const type = schema.type as string | undefined;
  const actual = typeOf(value);
  if (type && !(actual === type || (type === 'number' && actual === 'integer'))) {
    errors.push(
      `${path || '(root)'}: expected ${type}, got ${actual} (${JSON.stringify(value)?.slice(0, 60)})`,
    );
    return;
  }
  if (
    Array.isArray(schema.enum) &&
    !(schema['x-ms-enum'] as { modelAsString?: boolean } | undefined)?.modelAsString
  ) {
    if (!schema.enum.includes(value))
      errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (actual === 'object' && value) {
    const obj = value as Record<string, unknown>;
    const props = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const req of (schema.required as string[] | undefined) ?? [])
      if (!(req in obj) && !props[req]?.readOnly) errors.push(`${path}: missing required property '${req}'`);
    for (const [k, v] of Object.entries(obj)) {
      const p = props[k];
      if (p) check(f, p, v, `${path}.${k}`, errors, depth + 1);
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        check(f, schema.additionalProperties as Schema, v, `${path}.${k}`, errors, depth + 1);
      else if (schema.additionalProperties === false) errors.push(`${path}: property '${k}' is not allowed`);
    }
  }
  if (actual === 'array' && schema.items)
    (value as unknown[]).forEach((v, i) => {
      check(f, schema.items as Schema, v, `${path}[${i}]`, errors, depth + 1);
    });
}

/**
 * Checks `value` against a schema in a spec file under test-data: `definition` is a Swagger
 * definition name (`ContainerGroup`) or a JSON pointer (`#/components/schemas/io.k8s.api.apps.v1.Deployment`).
 * Returns the problems found ([] when it conforms). Unknown properties are allowed unless the
 * schema says `additionalProperties: false`, as Azure's own validation does.
 */
export function specProblems(file: string, definition: string, value: unknown): string[] {
  const full = join(specDir, file);
  const ptr = definition.startsWith('#') ? definition : `#/definitions/${definition}`;
  const errors: string[] = [];
  check(full, { $ref: ptr }, value, '', errors, 0);
  return errors;
}

/** Throws with every problem listed, for tests. */
export function assertMatchesSpec(file: string, definition: string, value: unknown): void {
  const problems = specProblems(file, definition, value);
  if (problems.length > 0)
    throw new Error(`Response does not match ${definition} in ${file}:\n  ${problems.join('\n  ')}`);
}
