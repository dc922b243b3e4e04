// One-off scaffold for the workspace packages (kept for adding new packages the same way).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [, , dir, name, tag, description] = process.argv;
if (!dir || !name || !tag) {
  console.error('usage: node tools/scaffold.mjs <dir> <@dove/name> <scope:tag> [description]');
  process.exit(2);
}
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name,
  version: '0.1.0',
  description: description ?? '',
  license: 'MIT',
  type: 'module',
  exports: {
    '.': {
      '@dove/source': './src/index.ts',
      types: './dist/index.d.ts',
      default: './dist/index.js',
    },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', '!**/*.tsbuildinfo'],
  engines: { node: '>=24' },
  nx: { tags: [tag] },
  dependencies: {},
};
const w = (f, c) => {
  if (!existsSync(join(dir, f))) writeFileSync(join(dir, f), c);
};
w('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
w(
  'tsconfig.json',
  `${JSON.stringify(
    {
      files: [],
      include: [],
      references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
    },
    null,
    2,
  )}\n`,
);
w(
  'tsconfig.lib.json',
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        rootDir: 'src',
        outDir: 'dist',
        tsBuildInfoFile: 'dist/tsconfig.lib.tsbuildinfo',
        types: ['node'],
      },
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts', 'src/**/*.test.ts', 'src/**/__fixtures__/**'],
      references: [],
    },
    null,
    2,
  )}\n`,
);
w(
  'tsconfig.spec.json',
  `${JSON.stringify(
    {
      extends: '../../tsconfig.base.json',
      compilerOptions: {
        outDir: './out-tsc/vitest',
        types: ['node', 'vitest/globals'],
        noEmit: false,
        rewriteRelativeImportExtensions: false,
        emitDeclarationOnly: true,
        composite: true,
        tsBuildInfoFile: './out-tsc/vitest/tsconfig.spec.tsbuildinfo',
      },
      include: ['src/**/*.spec.ts', 'src/**/*.test.ts', 'test/**/*.ts'],
      references: [{ path: './tsconfig.lib.json' }],
    },
    null,
    2,
  )}\n`,
);
w(
  'vitest.config.ts',
  `import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(shared, defineConfig({ test: { name: '${name}' } }));
`,
);
w('src/index.ts', `export {};\n`);
console.log('scaffolded', dir);
