import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogOf, EXAMPLE_TIMEOUT_MS, readmeAndExample } from '../../../tools/testing/index.js';

const root = join(import.meta.dirname, '..');

describe('the README example', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/tracker-and-peer.ts');
    expect(readme).toContain(block);
  });

  it('runs: a request answered, a push handled, an unhandled request refused, both ends closed', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/tracker-and-peer.js'))).map((args) => String(args[0]));
    expect(lines).toEqual([
      'a peer connected from 127.0.0.7',
      '0 streams on air; central has chunk 41',
      'refused: UNHANDLED_REQUEST',
      'closed: CLOSED',
    ]);
  });
});

describe('the README example with the in-memory pair', () => {
  it('is the example file, word for word', async () => {
    const { readme, block } = await readmeAndExample(root, 'examples/in-memory-pair.ts');
    expect(readme).toContain(block);
  });

  it('runs with no socket and no real time: a request answered, then the idle deadline on the fake clock', { timeout: EXAMPLE_TIMEOUT_MS }, async () => {
    const lines = (await consoleLogOf(() => import('../examples/in-memory-pair.js'))).map((args) => String(args[0]));
    expect(lines).toEqual(['connected to a central at 127.0.0.1:2045', '0 streams on air', 'closed by the server: IDLE_TIMEOUT']);
  });
});
