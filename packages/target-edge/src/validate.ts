import { CREATE_OPTIONS_CHUNK, CREATE_OPTIONS_CHUNKS, type ModulesContent } from './manifest.ts';
import { MODULE_NAME } from './schema.ts';

/** IoT Edge runs at most this many modules on a device (system modules included). */
export const MAX_MODULES = 50;
/** A layered deployment may add at most this many modules. */
export const MAX_LAYERED_MODULES = 20;
/** IoT Hub rejects twin desired properties (the `$edgeAgent` part of a manifest) above 32 KB. */
export const MAX_DESIRED_BYTES = 32 * 1024;

const ROUTE =
  /^\s*FROM\s+\/messages\/(\*|modules\/[^/\s]+\/(\*|outputs\/[^/\s]+))\s+(WHERE\s+.+\s+)?INTO\s+(\$upstream|BrokeredEndpoint\(\s*"\/modules\/[^/\s"]+\/inputs\/[^/\s"]+"\s*\))\s*$/i;

/** Problems found in a manifest, each naming its place; empty when IoT Hub and IoT Edge will accept it. */
export function validateManifest(content: ModulesContent, options: { layered: boolean }): string[] {
  const problems: string[] = [];
  const agent = content.$edgeAgent ?? {};
  const modules: Array<[string, Record<string, unknown>]> = [];
  if (options.layered) {
    for (const [k, v] of Object.entries(agent))
      if (k.startsWith('properties.desired.modules.'))
        modules.push([k.slice('properties.desired.modules.'.length), v as Record<string, unknown>]);
    if (modules.length > MAX_LAYERED_MODULES)
      problems.push(`a layered deployment adds ${modules.length} modules; at most ${MAX_LAYERED_MODULES}`);
  } else {
    const desired = agent['properties.desired'] as
      | { modules?: Record<string, Record<string, unknown>> }
      | undefined;
    if (!desired) problems.push('$edgeAgent: properties.desired is missing');
    modules.push(...Object.entries(desired?.modules ?? {}));
    if (modules.length + 2 > MAX_MODULES)
      problems.push(
        `${modules.length} modules plus edgeAgent and edgeHub; a device runs at most ${MAX_MODULES}`,
      );
    const hub = content.$edgeHub?.['properties.desired'] as { routes?: Record<string, string> } | undefined;
    if (!hub) problems.push('$edgeHub: properties.desired is missing');
    checkRoutes(hub?.routes ?? {}, problems);
  }
  if (options.layered) {
    const routes: Record<string, string> = {};
    for (const [k, v] of Object.entries(content.$edgeHub ?? {}))
      if (k.startsWith('properties.desired.routes.'))
        routes[k.slice('properties.desired.routes.'.length)] = String(v);
    checkRoutes(routes, problems);
  }
  for (const [name, m] of modules) {
    if (!MODULE_NAME.test(name))
      problems.push(
        `module name '${name}': letters, digits and - . + % _ # * ? ! ( ) , = @ ; ' only, not starting with $, at most 128`,
      );
    const settings = (m.settings ?? {}) as Record<string, unknown>;
    if (!settings.image) problems.push(`modules.${name}.settings.image is missing`);
    const chunks = Object.keys(settings).filter((k) => /^createOptions(\d\d)?$/.test(k));
    if (chunks.length > CREATE_OPTIONS_CHUNKS)
      problems.push(
        `modules.${name}: createOptions is ${chunks.length * CREATE_OPTIONS_CHUNK}+ characters; at most ${CREATE_OPTIONS_CHUNK * CREATE_OPTIONS_CHUNKS} (${CREATE_OPTIONS_CHUNKS} chunks of ${CREATE_OPTIONS_CHUNK})`,
      );
    for (const k of chunks)
      if (String(settings[k]).length > CREATE_OPTIONS_CHUNK)
        problems.push(`modules.${name}.settings.${k} is longer than ${CREATE_OPTIONS_CHUNK} characters`);
    const joined = chunks
      .sort()
      .map((k) => settings[k])
      .join('');
    if (joined) {
      try {
        JSON.parse(joined);
      } catch {
        problems.push(`modules.${name}: createOptions is not valid JSON`);
      }
    }
  }
  const size = Buffer.byteLength(JSON.stringify(agent));
  if (size > MAX_DESIRED_BYTES)
    problems.push(
      `$edgeAgent desired properties are ${size} bytes; IoT Hub accepts at most ${MAX_DESIRED_BYTES}`,
    );
  return problems;
}

function checkRoutes(routes: Record<string, string>, problems: string[]): void {
  for (const [name, route] of Object.entries(routes)) {
    if (!/^[A-Za-z0-9_]+$/.test(name)) problems.push(`route name '${name}': letters, digits and _ only`);
    if (!ROUTE.test(route))
      problems.push(
        `route ${name} '${route}': expected FROM /messages/modules/<module>/outputs/<output|*> [WHERE ...] INTO $upstream or BrokeredEndpoint("/modules/<module>/inputs/<input>")`,
      );
  }
}
