import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/loopback-pair.ts');
    expect(readme).toContain(block);
  });

  it('runs: a request answered over a data channel between two peer connections, then both closed', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/loopback-pair.js'))).map((args) => String(args[0]));
    expect(lines).toEqual(['over WebRTC: 0 streams on air', 'closed: CLOSED']);
  });
});
