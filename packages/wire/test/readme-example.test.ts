import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/frames-over-a-socket.ts');
    expect(readme).toContain(block);
  });

  it('runs on loopback: a have and a chunk decoded, then a frame too large refused and that connection closed', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/frames-over-a-socket.js'))).map((args) => args.map(String).join(' '));
    expect(lines).toEqual(['the peer has chunk 41', 'chunk 41: 1000 bytes', 'refused: FRAME_TOO_LARGE', 'the other side closed with FRAME_TOO_LARGE']);
  });
});
