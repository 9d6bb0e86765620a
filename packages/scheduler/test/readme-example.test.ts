import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/two-peers.ts');
    expect(readme).toContain(block);
  });

  it('runs, plays every chunk in order from the peer that answers, and ends on time', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = await consoleLogOf(() => import('../examples/two-peers.js'));
    expect(lines.map((line) => line[0])).toEqual([
      'play chunk 0',
      'play chunk 1',
      'play chunk 2',
      'play chunk 3',
      'play chunk 4',
      'play chunk 5',
      'play chunk 6',
      'play chunk 7',
      // 2 s of startup delay, then eight chunks of 500 ms.
      'ended at 6000 ms',
      'alice delivered 8, bob 0',
    ]);
  });
});
