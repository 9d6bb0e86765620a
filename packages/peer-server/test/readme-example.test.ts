import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/serve-a-window.ts');
    expect(readme).toContain(block);
  });

  it('runs: a peer joins, hears of a new chunk, fetches it, and is refused one the server does not hold', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/serve-a-window.js'))).map((args) => String(args[0]));
    expect(lines[0]).toMatch(/^serving on 127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual([
      'map: base 0, edge 3, live true, source true',
      'the server has chunk 3 now',
      'chunk 3: 1000 bytes, signature good',
      'chunk 99: NOT_HELD',
      'uploaded 1000 bytes',
    ]);
  });
});
