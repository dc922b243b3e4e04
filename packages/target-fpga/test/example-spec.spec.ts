// examples/fpga/dove.yaml stays valid against this plugin's schema, and a wrong architecture or
// VM size in a spec file is reported with its file, line and field.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry, isDoveError, loadSpec } from '@dove/deploy-core';
import { expect, test } from 'vitest';
import { fpga } from '../src/plugin.ts';

const example = fileURLToPath(new URL('../../../examples/fpga/dove.yaml', import.meta.url));
const variables = { AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000' };

test('examples/fpga/dove.yaml is valid', async () => {
  const spec = await loadSpec({ file: example, variables, registry: createRegistry([fpga()]) });
  expect(spec.targets.fast?.kind).toBe('fpga');
  const config = fpga().configSchema.parse(spec.targets.fast?.settings);
  expect(config).toMatchObject({ architecture: 'resnet50', nodePool: { vmSize: 'Standard_PB6s', count: 2 } });
});

test('bad FPGA settings in a spec file: every problem located by file:line and field', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dove-fpga-spec-'));
  try {
    const file = join(dir, 'dove.yaml');
    writeFileSync(
      file,
      readFileSync(example, 'utf8')
        .replace('architecture: resnet50', 'architecture: inception-v3')
        .replace('vmSize: Standard_PB6s', 'vmSize: Standard_NC6s_v3')
        .replace(
          'path: model',
          `path: ${join(fileURLToPath(new URL('../../../examples/fpga', import.meta.url)), 'model')}`,
        ),
    );
    const err = await loadSpec({ file, variables, registry: createRegistry([fpga()]) }).catch((e) => e);
    expect(isDoveError(err) && err.code).toBe('DOVE_SPEC_INVALID');
    const text = (err.issues as { path?: string; line?: number; message: string }[])
      .map((i) => `${i.line}:${i.path}: ${i.message}`)
      .join('\n');
    expect(text).toMatch(/\d+:targets\.fast\.nodePool\.vmSize: an FPGA VM size Dove knows: Standard_PB6s/);
    expect(text).toMatch(
      /\d+:targets\.fast\.architecture: a supported featurizer: resnet50, resnet152, densenet121, vgg16, ssd-vgg/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
