// The example's dove.yaml stays valid against each target plugin's own settings schema.
// Every plugin must load.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { TARGET_PACKAGES } from '../src/core.ts';
import { irisDir } from './helpers/iris-server.ts';

// Values a sandbox would give; `${NAME:-default}` falls back to its default.
const vars: Record<string, string> = {
  AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000000',
  IOT_HUB_CONNECTION_STRING:
    'HostName=dove-hub.azure-devices.net;SharedAccessKeyName=iothubowner;SharedAccessKey=a2V5',
};
const fill = (text: string) =>
  text.replace(
    /\$\{([A-Z0-9_]+)(?::-([^}]*))?\}/g,
    (_m, name: string, def?: string) => vars[name] ?? def ?? '',
  );

const spec = parse(fill(readFileSync(join(irisDir, 'dove.yaml'), 'utf8'))) as {
  targets: Record<string, { kind: string } & Record<string, unknown>>;
};

const plugins = await Promise.all(
  TARGET_PACKAGES.map(async (t) => {
    try {
      const mod = (await import(/* @vite-ignore */ t.pkg)) as Record<string, unknown>;
      const factory = mod[t.factory];
      return {
        kind: t.kind,
        plugin:
          typeof factory === 'function'
            ? (
                factory as () => {
                  configSchema: {
                    safeParse(v: unknown): { success: boolean; error?: { issues: unknown[] } };
                  };
                }
              )()
            : undefined,
      };
    } catch {
      return { kind: t.kind, plugin: undefined };
    }
  }),
);

describe('examples/iris/dove.yaml', () => {
  test('has one environment of each kind', () => {
    expect(
      Object.values(spec.targets)
        .map((t) => t.kind)
        .sort(),
    ).toEqual(['aci', 'aks', 'edge', 'fpga']);
  });

  for (const { kind, plugin } of plugins) {
    const [environment, target] = Object.entries(spec.targets).find(([, t]) => t.kind === kind) ?? [];
    test(`${environment} (${kind}) is valid against the ${kind} plugin's schema`, () => {
      expect(target, `an environment of kind ${kind} in dove.yaml`).toBeDefined();
      expect(plugin, `the ${kind} plugin loads`).toBeDefined();
      const { kind: _k, ...settings } = target as { kind: string };
      const result = plugin?.configSchema.safeParse(settings);
      expect(result?.error?.issues ?? []).toEqual([]);
    });
  }
});
