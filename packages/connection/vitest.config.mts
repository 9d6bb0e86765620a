import { defaultServerConditions, defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  ssr: { resolve: { conditions: ['@p2pstream/source', ...defaultServerConditions] } },
  test: {
    name: 'connection',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
