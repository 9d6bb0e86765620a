import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  ssr: { resolve: { conditions: ['@p2pstream/source', ...defaultServerConditions] } },
  test: {
    name: 'tools',
    include: ['browser-bundle/**/*.test.ts', 'start/**/*.test.ts', 'testing/**/*.test.ts', 'pack-test/**/*.test.ts', 'swarm/**/*.test.ts', 'bench/**/*.test.ts'],
    environment: 'node',
  },
});
