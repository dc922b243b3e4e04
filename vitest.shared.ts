import { defineConfig } from 'vitest/config';

// Workspace packages are read from src/ through the "@dove/source" export condition,
// so tests never need a build step.
const conditions = ['@dove/source', 'node', 'import', 'module', 'default'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@dove/source'] } },
  test: {
    watch: false,
    globals: false,
    environment: 'node',
    include: ['src/**/*.{spec,test}.ts', 'test/**/*.{spec,test}.ts'],
    // A safety net against hangs, not a speed check: CI machines have 2 busy cores.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    passWithNoTests: true,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
