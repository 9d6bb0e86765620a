import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/flags-and-time.ts');
    expect(readme).toContain(block);
  });

  it('runs and prints what the README says', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = await consoleLogOf(() => import('../examples/flags-and-time.js'));
    expect(lines).toEqual([
      [4000, 500_000],
      [{ host: '::1', port: 8080 }],
      ['USAGE', '--ttl takes a duration like 500ms, 4s or 2m (a bare number is seconds), not "soon"'],
      ['woke at 30000 ms'],
    ]);
  });
});
