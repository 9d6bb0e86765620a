import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Scenarios too heavy or too load-sensitive for `npm test` (see the central README's
// "Scenarios"); `npm run scenario:watch-swarm` runs them one at a time.
export default defineConfig({
  root: import.meta.dirname,
  ssr: { resolve: { conditions: ['@p2pstream/source', ...defaultServerConditions] } },
  test: {
    name: 'central-scenarios',
    include: ['scenarios/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
  },
});
