#!/usr/bin/env node
// Bundles the GitHub Action (apps/action/src/index.ts) into one ESM file,
// apps/action/dist/index.js, that the runner starts with `node` (runs.using: node24) from a
// checkout that has no node_modules. Workspace packages come from their TypeScript sources
// (the `@dove/source` condition). The output is deterministic (no timestamps, no absolute
// paths): a test rebuilds it and fails when the committed file differs.
//
//   node tools/build-action.mjs                  # writes apps/action/dist/index.js
//   node tools/build-action.mjs --outfile x.js   # writes elsewhere (the freshness test)
//   node tools/build-action.mjs --metafile m.json
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function arg(name) {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
}

/** Where the committed bundle lives; paths in it are relative to this folder. */
const DIST = join(root, 'apps/action/dist');

/**
 * Workspace sources that find things through `import.meta.url`:
 * - `const require = createRequire(import.meta.url)` would resolve packages next to the bundle,
 *   where a runner has no node_modules: the line is dropped, so esbuild sees the plain
 *   `require('pkg/file.js')` calls and bundles the files they name;
 * - any other `import.meta.url` (a package reading its own files, e.g. target-fpga's .proto
 *   files) is made to point at that source file in the repository checkout the runner has
 *   (`uses: owner/dove@v1` checks out the whole repository), relative to the bundle.
 */
const workspaceImportMeta = {
  name: 'dove-workspace-import-meta',
  setup(b) {
    b.onLoad({ filter: /[\\/](packages|apps)[\\/][^\\/]+[\\/]src[\\/].*\.ts$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const fromDist = relative(DIST, args.path).split('\\').join('/');
      const contents = text
        .replace(
          /^const require = createRequire\(import\.meta\.url\);$/m,
          '// (require calls bundled by tools/build-action.mjs)',
        )
        .replaceAll('import.meta.url', `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * `@actions/http-client` and `@actions/github` each carry their own copy of undici 6 (only for
 * ProxyAgent and fetch behind a proxy); the workspace's undici serves them as well, which keeps
 * two copies of undici out of the bundle (it is parsed at every start of the Action).
 */
const oneUndiciForActions = {
  name: 'dove-one-undici-for-actions',
  setup(b) {
    b.onResolve({ filter: /^undici$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]@actions[\\/]/.test(args.importer)) return undefined;
      return b.resolve('undici', { kind: args.kind, resolveDir: root });
    });
  },
};

/** How an Action is bundled (also used by the benchmark for its floor, a minimal action). */
export const ACTION_BUILD_OPTIONS = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  conditions: ['@dove/source', 'node', 'import'],
  mainFields: ['module', 'main'],
  minify: true,
  keepNames: true,
  treeShaking: true,
  sourcemap: false,
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
  // CommonJS dependencies call require() for Node built-ins; ESM output needs one.
  banner: {
    js: [
      '// The Dove GitHub Action, bundled by tools/build-action.mjs from apps/action/src. Do not edit.',
      "import { createRequire as __doveCreateRequire } from 'node:module';",
      'const require = __doveCreateRequire(import.meta.url);',
    ].join('\n'),
  },
};

export async function buildAction(outfile = join(root, 'apps/action/dist/index.js'), metafile) {
  const result = await build({
    ...ACTION_BUILD_OPTIONS,
    entryPoints: ['apps/action/src/index.ts'],
    outfile,
    metafile: Boolean(metafile),
    plugins: [workspaceImportMeta, oneUndiciForActions],
  });
  if (metafile) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(metafile, JSON.stringify(result.metafile));
  }
  return result;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = arg('--outfile');
  const outfile = out ? resolve(out) : undefined;
  await buildAction(outfile, arg('--metafile'));
  const written = outfile ?? join(root, 'apps/action/dist/index.js');
  const { statSync } = await import('node:fs');
  console.log(
    `${relative(process.cwd(), written) || written}: ${(statSync(written).size / 1024 / 1024).toFixed(2)} MB`,
  );
}
