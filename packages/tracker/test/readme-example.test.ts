import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/tracker-in-process.ts');
    expect(readme).toContain(block);
  });

  it('runs: a publish, an announce and a look-up answered by a tracker in this process', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/tracker-in-process.js'))).map((args) => String(args[0]));
    expect(lines[0]).toMatch(/^tracker on 127\.0\.0\.1:\d+$/);
    expect(lines.slice(1)).toEqual([
      'cam1 is the publisher key; announce again within 13333 ms',
      'cam1: 127.0.0.1:2050 at chunk 12',
      'nobody: STREAM_NOT_FOUND',
      'requests: 1 publish, 1 announce, 2 look-ups',
    ]);
  });
});
