import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
const canStripTypes = major > 22 || (major === 22 && minor >= 6);

// docs/spec.md's field table is generated from the schema; a schema change must regenerate it.
test.skipIf(!canStripTypes)('docs/spec.md matches the schema', () => {
  const root = join(import.meta.dirname, '../../..');
  expect(() =>
    execFileSync(process.execPath, ['tools/gen-spec-docs.ts', '--check'], { cwd: root, stdio: 'pipe' }),
  ).not.toThrow();
});
