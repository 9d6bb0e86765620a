import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  ssr: { resolve: { conditions: ['@p2pstream/source', ...defaultServerConditions] } },
  test: {
    name: 'webrtc',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
