import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const manifest = parse(readFileSync(new URL('../app.yml', import.meta.url), 'utf8')) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};
const app = readFileSync(new URL('./app.ts', import.meta.url), 'utf8');

test('app.yml subscribes to exactly the events the app handles', () => {
  const handled = [...app.matchAll(/app\.on\('([a-z_]+)\./g)].map((m) => m[1]);
  expect([...manifest.default_events].sort()).toEqual([...new Set(handled)].sort());
});

test('app.yml asks for no write access it does not use', () => {
  const writes = Object.entries(manifest.default_permissions)
    .filter(([, v]) => v === 'write')
    .map(([k]) => k)
    .sort();
  expect(writes).toEqual(['contents', 'deployments', 'issues']);
  expect(Object.values(manifest.default_permissions).every((v) => v === 'read' || v === 'write')).toBe(true);
});
