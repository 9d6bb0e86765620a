import { defineConfig } from 'vitest/config';

// One vitest process runs every project's tests (faster than one process per
// project through Nx on two cores) and ends with the plain line CI reads.
export default defineConfig({
  test: {
    projects: ['packages/*/vitest.config.mts', 'apps/*/vitest.config.mts', 'tools/vitest.config.mts'],
    reporters: ['default', './tools/vitest/closing-line-reporter.ts'],
  },
});
