import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/publish-and-verify.ts');
    expect(readme).toContain(block);
  });

  it('runs and prints the chunks it kept and their buffer map', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = await consoleLogOf(() => import('../examples/publish-and-verify.js'));
    expect(lines[0]![0]).toMatch(/^publishing as StreamKey\([0-9a-f]{64}\)$/);
    expect(lines.slice(1, 6).map((line) => line[0])).toEqual([
      'chunk 0: 65536 bytes',
      'chunk 1: 65536 bytes',
      'chunk 2: 65536 bytes',
      'chunk 3: 65536 bytes',
      'chunk 4: 37856 bytes',
    ]);
    expect(lines[6]![0]).toEqual({ base: 0, bits: Uint8Array.of(0b1111_1000) });
  });
});
