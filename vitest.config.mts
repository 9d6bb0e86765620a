import { defineConfig } from 'vitest/config';
import central from './apps/central/vitest.config.mts';
import peer from './apps/peer/vitest.config.mts';
import { runAlone } from './tools/vitest/run-alone.ts';

// One vitest process runs every project's tests (faster than one process per
// project through Nx on two cores) and ends with the plain line CI reads.
// The two swarm scenarios that assert continuity and the publisher's load run
// last, each alone (see run-alone.ts).
export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.mts',
      'tools/vitest.config.mts',
      ...runAlone(central, ['test/watch-swarm.test.ts'], 1),
      ...runAlone(peer, ['test/e2e/swarm.test.ts'], 2),
    ],
    reporters: ['default', './tools/vitest/closing-line-reporter.ts'],
  },
});
