import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/watch-in-one-process.ts');
    expect(readme).toContain(block);
  });

  it('runs: the viewer writes an exact copy of the finished stream', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/watch-in-one-process.js'))).map((args) => String(args[0]));
    expect(lines).toEqual(['found film: finished, 1 peer(s)', 'played 16 chunks, 1000000 bytes from the publisher', 'the copy is exact']);
  });

  it('shows the stats-line reader, word for word, and it runs', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/read-stats-lines.ts');
    expect(readme).toContain(block);
    const lines = (await consoleLogOf(() => import('../examples/read-stats-lines.js'))).map((args) => String(args[0]));
    expect(lines).toEqual([
      'publisher: 36 chunks cut, 2 peers',
      'viewer: played 36 of 37, continuity 0.973',
      'BAD_STATS_LINE: a stats line has no known role (viewer, relay, publisher): {"time":1795602047656,"role":"seeder"}',
    ]);
  });
});
